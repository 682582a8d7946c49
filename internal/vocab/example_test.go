package vocab_test

import (
	"fmt"
	"strings"

	"github.com/gemba-ai/gemba/internal/demo"
	"github.com/gemba-ai/gemba/internal/vocab"
)

// The concepts a Korean question names, with their English names: what
// retrieval searches for and what an answer can say in either language.
func ExampleVocabulary_Match() {
	v := vocab.Default()
	for _, m := range v.Match("크랭크축 베어링에서 소리가 나고 진동이 올라가요") {
		fmt.Printf("%s %s → %s (%s)\n", m.Form, m.Concept.Kind, m.Concept.Name(vocab.English), m.Concept.ID)
	}
	// Output:
	// 크랭크축 part → crankshaft (crankshaft)
	// 베어링 part → bearing (bearing)
	// 소리 symptom → noise (noise)
	// 진동 symptom → vibration (vibration)
	// 올라가 symptom → rise (rise)
}

// Asset numbering in Korean and English comes to the plant's asset ids, and
// back.
func ExampleVocabulary_NormalizeAssets() {
	v := vocab.Default()
	fmt.Println(v.NormalizeAssets("3호기 프레스랑 CNC 4호기, 1라인 컨베이어"))
	fmt.Println(v.Assets("프레스 2호기랑 3호기 진동"))
	fmt.Println(v.AssetName("press-3", vocab.Korean), "/", v.AssetName("line-1", vocab.Korean))
	// Output:
	// press-3랑 cnc-4, line-1 컨베이어
	// [press-2 press-3]
	// 프레스 3호기 / 1라인
}

// Korean words lose their particles and endings; what the vocabulary knows
// becomes its concept.
func ExampleVocabulary_SegmentKorean() {
	v := vocab.Default()
	for _, w := range []string{"스트레이너에서", "막혀서", "교체했는데요", "자동급유는"} {
		var parts []string
		for _, p := range v.SegmentKorean(w) {
			if p.Concept != nil {
				parts = append(parts, p.Text+"="+p.Concept.ID)
			} else {
				parts = append(parts, p.Text)
			}
		}
		fmt.Println(w, parts)
	}
	// Output:
	// 스트레이너에서 [스트레이너=strainer]
	// 막혀서 [막혀서=clog]
	// 교체했는데요 [교체=replace]
	// 자동급유는 [자동 급유=lubrication]
}

// Display names for answers: a procedure's name in the asker's language.
func ExampleConcept_Name() {
	loto, _ := vocab.Default().Concept("loto")
	fmt.Println(loto.Name(vocab.Korean))
	fmt.Println(loto.Name(vocab.English))
	// Output:
	// 잠금·표지(LOTO)
	// lockout/tagout (LOTO)
}

// The demo plant's registry: every asset's Korean name comes back to its
// id, and so do the ways crews number it.
func Example_plantRegistry() {
	v := vocab.Default()
	ok := 0
	for _, a := range demo.Assets() {
		ko := v.AssetName(a.Name, vocab.Korean)
		if v.NormalizeAssets(ko) == a.Name && v.NormalizeAssets(strings.ToUpper(a.Name)) == a.Name {
			ok++
		} else {
			fmt.Println("not round-tripped:", a.Name, ko)
		}
	}
	fmt.Println(ok == len(demo.Assets()), v.AssetName("compressor-1", vocab.Korean), v.AssetName("filler-1", vocab.Korean))
	// Output: true 압축기 1호기 충전기 1호기
}
