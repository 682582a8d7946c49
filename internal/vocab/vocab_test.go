package vocab

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestDefaultLoads(t *testing.T) {
	t.Parallel()
	v := Default()
	kinds := map[Kind]int{}
	for _, c := range v.Concepts() {
		kinds[c.Kind]++
		require.NotEmpty(t, c.EN, c.ID)
		require.NotEmpty(t, c.KO, c.ID)
		require.NotEmpty(t, c.Name(English), c.ID)
		require.NotEmpty(t, c.Name(Korean), c.ID)
	}
	for _, k := range []Kind{KindEquipment, KindPart, KindSymptom, KindAction, KindProcedure} {
		require.GreaterOrEqual(t, kinds[k], 10, "kind %s", k)
	}
	require.Len(t, v.Fingerprint(), 12)
	loto, ok := v.Concept("loto")
	require.True(t, ok)
	require.Equal(t, "잠금·표지(LOTO)", loto.Name(Korean))
	require.Equal(t, "lockout/tagout (LOTO)", loto.Name(English))
	b, _ := v.Concept("bearing")
	require.Equal(t, "베어링", b.Name(Korean))
	require.Equal(t, "bearing", b.Name(English))
}

// TestIssueTerms holds the terms issue 18 names: each must be a concept
// with both languages.
func TestIssueTerms(t *testing.T) {
	t.Parallel()
	v := Default()
	for ko, id := range map[string]string{
		"프레스": "press", "압축기": "compressor", "충전기": "filler", "컨베이어": "conveyor", "펌프": "pump", "스핀들": "spindle",
		"베어링": "bearing", "크랭크축": "crankshaft", "스트레이너": "strainer", "벨트": "belt", "풀리": "pulley", "커플링": "coupling",
		"진동": "vibration", "과열": "overheat", "소음": "noise", "미끄러짐": "slip", "막힘": "clog", "압력": "pressure", "저하": "drop",
		"교체": "replace", "조정": "adjust", "청소": "clean", "윤활": "lubrication", "잠금": "loto", "표지": "loto", "에스컬레이션": "escalation",
	} {
		ms := v.Match(ko)
		require.NotEmpty(t, ms, ko)
		require.Equal(t, id, ms[0].Concept.ID, ko)
		require.Equal(t, Korean, ms[0].Lang)
	}
}

func TestSegmentKorean(t *testing.T) {
	t.Parallel()
	v := Default()
	for _, tc := range []struct {
		word string
		want string // pieces joined by space; concepts as [id]
	}{
		{"베어링이", "[bearing]"},
		{"베어링을", "[bearing]"},
		{"크랭크축베어링", "[crankshaft] [bearing]"},
		{"막혀서", "[clog]"},
		{"떨어졌어요", "[drop]"},
		{"올라가요", "[rise]"},
		{"과열돼요", "[overheat]"},
		{"교체해야", "[replace]"},
		{"냉각팬", "[cool] [fan]"},
		{"팬이", "[fan]"},
		{"이상", "이상"},                  // 상 (phase) is not found inside 이상
		{"자동급유는", "자동 [lubrication]"}, // a stem the vocabulary does not know stays
		{"어떻게", ""},
		{"있나요", ""},
		{"좀", ""},
		{"일주일째", "[gradual]"},
		{"찌꺼기와", "[debris]"},
		{"하우징", "[housing]"},
		{"라벨조각이", "[label] [debris]"},
		{"그리퍼가", "[gripper]"},
		{"끼익", "[squeal]"},
		{"녹이", "[rust]"},
		{"새는", "[leak]"},
		{"굼떠요", "[slow]"},
		{"인수인계", "[handover]"},
		{"박스가", "[carton]"},
		{"체크웨이어에서", "[checkweigher]"},
	} {
		var got []string
		for _, p := range v.SegmentKorean(tc.word) {
			if p.Concept != nil {
				got = append(got, "["+p.Concept.ID+"]")
			} else {
				got = append(got, p.Text)
			}
			require.Equal(t, p.Text, tc.word[p.Start:p.End], "offsets of %q in %q", p.Text, tc.word)
		}
		require.Equal(t, tc.want, strings.Join(got, " "), tc.word)
	}
}

func TestStem(t *testing.T) {
	t.Parallel()
	v := Default()
	for in, want := range map[string]string{
		"압력이": "압력", "스트레이너에서": "스트레이너", "올라가요": "올라가", "교체했는데": "교체", "라인으로": "라인",
		"이틀": "이틀", "소리": "소리", "차가": "차가", // two syllables must remain
	} {
		require.Equal(t, want, v.Stem(in), in)
	}
	require.True(t, v.IsStopword("어떻게"))
	require.False(t, v.IsStopword("베어링"))
}

func TestNormalizeAssets(t *testing.T) {
	t.Parallel()
	v := Default()
	for in, want := range map[string]string{
		"프레스 3호기 진동":            "press-3 진동",
		"3호기 프레스 크랭크":           "press-3 크랭크",
		"3번 프레스":                "press-3",
		"프레스-2 크랭크축":            "press-2 크랭크축",
		"프레스3":                  "press-3",
		"Press #3 is noisy":     "press-3 is noisy",
		"press 3 vibration":     "press-3 vibration",
		"CNC 4호기 스핀들":           "cnc-4 스핀들",
		"cnc4호기":                "cnc-4",
		"CNC-4 overheating":     "cnc-4 overheating",
		"1라인 컨베이어":              "line-1 컨베이어",
		"제3라인":                  "line-3",
		"라인 2 정지":               "line-2 정지",
		"3번 라인":                 "line-3",
		"line 3 stopped":        "line-3 stopped",
		"프레스 2호기랑 3호기 진동":       "press-2 press-3 진동",
		"펌프 1호기와 2호기":           "pump-1 pump-2",
		"충전기 1호기":               "filler-1",
		"콤프레샤 1호기":              "compressor-1",
		"압축기가 7 bar까지":          "압축기가 7 bar까지", // no number of the machine
		"pump 3 bar":            "pump 3 bar",
		"pump 2.3 bar":          "pump 2.3 bar",
		"프레스 3대 비교":             "프레스 3대 비교",
		"press 3.4":             "press 3.4",
		"pressure 3 bar":        "pressure 3 bar",
		"익스프레스3":                "익스프레스3",
		"the 2 presses":         "the 2 presses",
		"press-3 and press-2":   "press-3 and press-2",
		"conveyor-1 drive belt": "conveyor-1 drive belt",
	} {
		require.Equal(t, want, v.NormalizeAssets(in), in)
	}
	require.Equal(t, []string{"press-2", "press-3", "line-1"}, v.Assets("1라인 가기 전에 프레스 2호기랑 3호기 봐 주세요"[len("1라인 가기 전에 "):]+" 1라인"))
	require.Equal(t, "프레스 3호기", v.AssetName("press-3", Korean))
	require.Equal(t, "1라인", v.AssetName("line-1", Korean))
	require.Equal(t, "press-3", v.AssetName("press-3", English))
	require.Equal(t, "robot-9", v.AssetName("robot-9", Korean))
}

func TestWithAliases(t *testing.T) {
	t.Parallel()
	base := Default()
	m, err := LoadAliases(strings.NewReader("메인 프레스: press-3\nBig Blue: press-1\n"))
	require.NoError(t, err)
	v, err := base.WithAliases(m)
	require.NoError(t, err)
	require.NotEqual(t, base.Fingerprint(), v.Fingerprint(), "aliases change what is stored")
	require.Equal(t, "press-3 크랭크 소리", v.NormalizeAssets("메인 프레스 크랭크 소리"))
	require.Equal(t, "press-1 is loud", v.NormalizeAssets("big blue is loud"))
	require.Equal(t, "big bluefish", v.NormalizeAssets("big bluefish"), "whole words only")
	require.Equal(t, []string{"press-3"}, v.Assets("메인 프레스 크랭크 소리"))
	require.Equal(t, "메인 프레스 크랭크 소리", base.NormalizeAssets("메인 프레스 크랭크 소리"), "the base vocabulary is unchanged")
	_, err = base.WithAliases(map[string]string{"x": "two words"})
	require.Error(t, err)
	_, err = LoadAliases(strings.NewReader("[not, a, map]"))
	require.Error(t, err)
}

func TestMatchBothLanguages(t *testing.T) {
	t.Parallel()
	v := Default()
	ids := func(text string) string {
		var out []string
		for _, m := range v.Match(text) {
			require.Equal(t, m.Form, text[m.Start:m.End])
			out = append(out, m.Concept.ID+"/"+m.Lang)
		}
		return strings.Join(out, " ")
	}
	require.Equal(t, "pump/ko discharge/ko pressure/ko gradual/ko drop/ko", ids("펌프 토출 압력이 서서히 떨어져요"))
	require.Equal(t, "pump/en discharge/en pressure/en gradual/en drop/en", ids("pump discharge pressure slowly dropping"))
	require.Equal(t, "differential/en filter/en", ids("differential pressure across the filter"))
	require.Equal(t, "loto/en press/en procedure/en", ids("lock out the press per the procedure"), "a phrase is taken before its words")
	require.Equal(t, "escalation/en", ids("the on-call engineer"[:len("the on-call")]))
	require.Equal(t, "crankshaft/ko bearing/ko knock/ko noise/ko", ids("크랭크축 베어링에서 딱딱 소리"))
}

func TestExpand(t *testing.T) {
	t.Parallel()
	v := Default()
	require.Equal(t, "press-3 crankshaft bearing noise", v.Expand("프레스 3호기 크랭크축 베어링 소음"))
	require.Equal(t, "프레스 3호기 베어링 진동", v.Expand("press-3 bearing vibration"))
	require.Equal(t, "", v.Expand("xyzzy"))
}

func TestLoadReportsProblems(t *testing.T) {
	t.Parallel()
	grammar := &fstest.MapFile{Data: []byte("particles: [이]\nendings: [요]\ngrammar_syllables: 요\nstopwords: [좀]\n")}
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"duplicate id":        {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: belt, en: [belt], ko: [벨트]}\n - {id: belt, en: [strap], ko: [끈]}\n"}, "id belt is used twice"},
		"form claimed twice":  {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: belt, en: [belt], ko: [벨트]}\n - {id: strap, en: [belt], ko: [끈]}\n"}, `English form "belt" is claimed by belt and strap`},
		"missing Korean":      {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: belt, en: [belt]}\n"}, "needs English and Korean forms"},
		"Korean with a space": {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: belt, en: [belt], ko: [구동 벨트]}\n"}, "must be one Hangul word"},
		"bad id":              {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: Belt, en: [belt], ko: [벨트]}\n"}, "must be a lower-case word"},
		"bad kind":            {map[string]string{"a.yaml": "kind: thing\nconcepts: []\n"}, `kind "thing"`},
		"unknown broader":     {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: belt, en: [belt], ko: [벨트], broader: [rope]}\n"}, `broader concept "rope" is unknown`},
		"asset on a part":     {map[string]string{"a.yaml": "kind: part\nconcepts:\n - {id: belt, asset: belt, en: [belt], ko: [벨트]}\n"}, "needs an equipment concept"},
		"bad YAML":            {map[string]string{"a.yaml": "kind: [\n"}, "a.yaml"},
	} {
		fsys := fstest.MapFS{"d/korean.yaml": grammar}
		for n, body := range tc.files {
			fsys["d/"+n] = &fstest.MapFile{Data: []byte(body)}
		}
		_, err := Load(fsys, "d")
		require.ErrorContains(t, err, tc.want, name)
	}
	_, err := Load(fstest.MapFS{"d/a.yaml": &fstest.MapFile{Data: []byte("kind: part\nconcepts: []\n")}}, "d")
	require.ErrorContains(t, err, "korean.yaml is missing")
}

// TestFormerGlossaryCovered: every entry of the glossary rag used before
// the vocabulary (Korean term → English word) maps to the same meaning.
func TestFormerGlossaryCovered(t *testing.T) {
	t.Parallel()
	v := Default()
	for ko, id := range map[string]string{
		"베어링": "bearing", "진동": "vibration", "필터": "filter", "막힘": "clog", "막혀": "clog", "막혔": "clog",
		"압력": "pressure", "벨트": "belt", "미끄러": "slip", "슬립": "slip", "장력": "tension",
		"과열": "overheat", "온도": "temperature", "모터": "motor", "전류": "current", "프레스": "press",
		"펌프": "pump", "컨베이어": "conveyor", "압축기": "compressor", "컴프레서": "compressor", "충전기": "filler",
		"필러": "filler", "마모": "wear", "윤활": "lubrication", "그리스": "grease", "교체": "replace",
		"점검": "inspect", "냉각": "cool", "팬": "fan", "소음": "noise", "잠금": "loto",
		"회전": "speed", "스핀들": "spindle", "정지": "stop", "가동중지": "downtime", "차압": "differential",
		"누설": "leak", "누유": "leak", "씰": "seal", "정렬": "alignment", "풀리": "pulley", "권선": "winding",
		"절연": "insulation", "유량": "flow", "흡입": "suction", "임펠러": "impeller", "캐비테이션": "cavitation",
	} {
		ps := v.SegmentKorean(ko)
		require.Len(t, ps, 1, ko)
		require.NotNil(t, ps[0].Concept, ko)
		require.Equal(t, id, ps[0].Concept.ID, ko)
	}
}

// A range of machine numbers names every machine in it; a range of values
// after a machine is no range of machines.
func TestNormalizeAssetRanges(t *testing.T) {
	v := Default()
	for in, want := range map[string]string{
		"cnc 1~4호기 중에 지금 온도 젤 높은거 몇호기?":       "cnc-1 cnc-2 cnc-3 cnc-4 중에 지금 온도 젤 높은거 몇호기?",
		"which of cnc 1-4 is running hottest": "which of cnc-1 cnc-2 cnc-3 cnc-4 is running hottest",
		"cnc-1 to cnc-4 temps":                "cnc-1 cnc-2 cnc-3 cnc-4 temps",
		"프레스 1~3호기":                           "press-1 press-2 press-3",
		"line 1-3 output":                     "line-1 line-2 line-3 output",
		"press 3 to 4 mm/s":                   "press-3 to 4 mm/s",
		"press-3 vibration 6-7 mm/s":          "press-3 vibration 6-7 mm/s",
		"pump 2-1 swap":                       "pump-2-1 swap",
	} {
		if got := v.NormalizeAssets(in); got != want {
			t.Errorf("NormalizeAssets(%q) = %q, want %q", in, got, want)
		}
	}
}
