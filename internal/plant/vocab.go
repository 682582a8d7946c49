package plant

import (
	"regexp"
	"strings"
)

// This file is the plant's maintenance vocabulary, in English and Korean,
// kept as data: equipment types, sensors, components, failure modes with
// the symptoms that report them and the sensor signs that support them,
// actions (for facts a user adds: "the bearing was replaced"), and term
// pairs for aligning a Korean document's steps with an English one's.
// A new word is an entry here plus a test case.
//
// Issue 18 builds a bilingual vocabulary in rag (query expansion for
// search); the two should become one table, read by rag for retrieval and
// by this package for understanding questions.

// Words are one concept's names in English and Korean. English words are
// matched case-insensitively on word boundaries; Korean words as
// substrings (particles attach to them).
type Words struct {
	EN, KO []string
}

// Matcher returns a pattern that finds any of the words.
func (w Words) Matcher() *regexp.Regexp {
	var alts []string
	for _, e := range w.EN {
		alts = append(alts, `\b`+regexp.QuoteMeta(strings.ToLower(e))+`\b`)
	}
	for _, k := range w.KO {
		alts = append(alts, regexp.QuoteMeta(strings.ToLower(k)))
	}
	if len(alts) == 0 {
		return regexp.MustCompile(`$^`)
	}
	return regexp.MustCompile(`(?i)` + strings.Join(alts, "|"))
}

// EquipmentType is a kind of machine and the words people use for it. A
// plant has some of them (its assets' types); a question naming one it
// has not is about something the plant does not have.
type EquipmentType struct {
	Type string
	Words
}

// EquipmentTypes are the equipment types people name, whether or not a
// plant has them.
var EquipmentTypes = []EquipmentType{
	{"press", Words{EN: []string{"press", "presses", "stamping press", "presss", "pres"}, KO: []string{"프레스", "프래스", "프레쓰", "프레스기"}}},
	{"cnc", Words{EN: []string{"cnc", "cncs", "cnc machine", "machining center", "machining centre", "mill"}, KO: []string{"씨엔씨", "머시닝센터", "머시닝 센터", "CNC"}}},
	{"pump", Words{EN: []string{"pump", "pumps", "pumpe"}, KO: []string{"펌프"}}},
	{"filler", Words{EN: []string{"filler", "fillers", "filling machine", "filller"}, KO: []string{"충전기", "필러", "충진기"}}},
	{"conveyor", Words{EN: []string{"conveyor", "conveyors", "conveyer", "conveyers", "convayor", "belt conveyor"}, KO: []string{"컨베이어", "콘베이어", "컨베어", "콘베어"}}},
	{"compressor", Words{EN: []string{"compressor", "compressors", "compresser", "compresor", "air compressor"}, KO: []string{"압축기", "컴프레서", "콤프레서", "컴프레샤", "컴프레셔", "콤프레셔", "에어컴프", "컴프", "콤프"}}}, //nolint:misspell // misspellings people type
	{"robot", Words{EN: []string{"robot", "robots", "robotic arm", "robot arm", "welding robot"}, KO: []string{"로봇"}}},
	{"boiler", Words{EN: []string{"boiler", "boilers"}, KO: []string{"보일러"}}},
	{"chiller", Words{EN: []string{"chiller", "chillers"}, KO: []string{"칠러", "냉동기"}}},
	{"oven", Words{EN: []string{"oven", "ovens", "curing oven", "furnace"}, KO: []string{"오븐", "건조로", "가열로", "열처리로", "소둔로", "용해로"}}},
	{"welder", Words{EN: []string{"welder", "welders", "welding machine", "welding"}, KO: []string{"용접기"}}},
	{"mixer", Words{EN: []string{"mixer", "mixers", "blender"}, KO: []string{"믹서", "혼합기"}}},
	{"extruder", Words{EN: []string{"extruder", "extruders"}, KO: []string{"압출기"}}},
	{"crane", Words{EN: []string{"crane", "cranes", "hoist"}, KO: []string{"크레인", "호이스트"}}},
	{"lathe", Words{EN: []string{"lathe", "lathes"}, KO: []string{"선반"}}},
	{"dryer", Words{EN: []string{"dryer", "dryers", "drier"}, KO: []string{"건조기"}}},
	{"forklift", Words{EN: []string{"forklift", "forklifts"}, KO: []string{"지게차"}}},
	{"labeler", Words{EN: []string{"labeler", "labeller", "labelling machine"}, KO: []string{"라벨러", "라벨기"}}},
	{"palletizer", Words{EN: []string{"palletizer", "palletiser"}, KO: []string{"팔레타이저"}}},
	{"cooling_tower", Words{EN: []string{"cooling tower"}, KO: []string{"냉각탑"}}},
	{"generator", Words{EN: []string{"generator", "genset"}, KO: []string{"발전기"}}},
	{"molder", Words{EN: []string{"injection molding machine", "injection moulding machine", "injection molder", "molding machine"}, KO: []string{"사출기", "사출 성형기"}}},
	{"grinder", Words{EN: []string{"grinder", "grinders", "grinding machine"}, KO: []string{"연삭기", "그라인더"}}},
	{"fan", Words{EN: []string{"exhaust fan", "blower"}, KO: []string{"송풍기", "배기팬", "블로워"}}},
}

// Areas are places of a site people name that are no machine or line
// ("the warehouse", "창고", "the server room"). A question about one is
// about something the plant's data does not cover, unless a line or asset
// of the plant is called by its name.
var Areas = []Words{
	{EN: []string{"warehouse", "warehouses", "storeroom", "store room", "stockroom", "stock room", "goods in", "goods inward"}, KO: []string{"창고", "자재실"}},
	{EN: []string{"loading dock", "loading bay", "shipping dock", "dispatch area"}, KO: []string{"하역장", "출하장"}},
	{EN: []string{"office", "offices", "meeting room"}, KO: []string{"사무실", "회의실"}},
	{EN: []string{"canteen", "cafeteria", "break room", "locker room", "kitchen"}, KO: []string{"식당", "휴게실", "탈의실"}},
	{EN: []string{"server room", "data center", "data centre"}, KO: []string{"서버실", "전산실"}},
	{EN: []string{"laboratory", "quality lab", "test lab"}, KO: []string{"실험실", "품질실"}},
	{EN: []string{"boiler room", "plant room", "substation", "electrical room"}, KO: []string{"보일러실", "기계실", "변전실", "전기실"}},
	{EN: []string{"paint shop", "paint booth", "clean room", "cleanroom", "tool room", "toolroom"}, KO: []string{"도장실", "도장 부스", "클린룸", "공구실"}},
	{EN: []string{"parking lot", "car park", "yard"}, KO: []string{"주차장", "야적장"}},
}

// TypeWords returns the words of an equipment type.
func TypeWords(typ string) Words {
	for _, t := range EquipmentTypes {
		if t.Type == typ {
			return t.Words
		}
	}
	return Words{EN: []string{typ}}
}

// SensorWords are a sensor's names and the words of a question that
// point at it.
type SensorWords struct {
	Sensor string
	Words
}

// Sensors are the sensors people ask about. Some of them a plant may not
// measure (power, humidity, good and scrap counts): a question about one
// of those is about something the plant does not have.
var Sensors = []SensorWords{
	{"vibration", Words{EN: []string{"vibration", "vibrations", "vib", "vibs", "vibrating", "vibrates", "vibrate", "vibraton", "vibrationn", "shaking", "shakes", "shake", "rattle", "rattling", "knocking", "knock", "noise", "noisy", "louder", "sounds"},
		KO: []string{"진동", "떨림", "떨려", "소음", "소리", "타격음"}}},
	{"temperature", Words{EN: []string{"temperature", "temp", "temps",
		"temprature", "temperture", //nolint:misspell // misspellings people type
		"hot", "hottest", "heat", "overheating", "overheat", "overheats", "overtemp", "overtemperature", "over-temp", "warm", "cold"},
		KO: []string{"온도", "과열", "뜨거", "뜨끈", "열이"}}},
	{"pressure", Words{EN: []string{"pressure", "pressures", "presure", "psi", "bar"}, KO: []string{"압력", "차압", "토출압", "흡입압", "공급압", "라인압", "토출 압", "유압"}}},
	{"motor_current", Words{EN: []string{"current", "amps", "amp", "amperage", "current draw", "load"}, KO: []string{"전류", "부하"}}},
	{"speed", Words{EN: []string{"speed", "rpm", "spm", "slow", "slower", "stroke rate"}, KO: []string{"속도", "회전수", "회전"}}},
	{"output", Words{EN: []string{"output", "production", "produce", "produced", "producing", "throughput", "parts", "units", "volume", "make"}, KO: []string{"생산량", "생산", "실적", "출하"}}},
	{"power", Words{EN: []string{"power", "energy", "kwh", "electricity", "power consumption"}, KO: []string{"전력", "에너지", "전기 사용", "전력량"}}},
	{"humidity", Words{EN: []string{"humidity", "moisture"}, KO: []string{"습도"}}},
	{"scrap", Words{EN: []string{"scrap", "reject", "rejects", "defect", "defects"}, KO: []string{"불량", "폐기"}}},
	{"flow", Words{EN: []string{"flow rate", "flowrate"}, KO: []string{"유량"}}},
}

// SensorOf returns the words of a sensor.
func SensorOf(sensor string) Words {
	for _, s := range Sensors {
		if s.Sensor == sensor {
			return s.Words
		}
	}
	return Words{EN: []string{strings.ReplaceAll(sensor, "_", " ")}}
}

// Component is a part of a machine that fails or is worked on.
type Component struct {
	Key string
	Words
}

// Components are the parts a question or a fact names.
var Components = []Component{
	{"bearing", Words{EN: []string{"bearing", "bearings"}, KO: []string{"베어링"}}},
	{"filter", Words{EN: []string{"filter", "filters", "element", "filter element"}, KO: []string{"필터", "엘리먼트"}}},
	{"strainer", Words{EN: []string{"strainer", "strainers", "screen", "basket"}, KO: []string{"스트레이너", "여과망"}}},
	{"belt", Words{EN: []string{"belt", "belts", "v-belt", "v-belts", "vbelt"}, KO: []string{"벨트", "v벨트", "V벨트"}}},
	{"pulley", Words{EN: []string{"pulley", "pulleys"}, KO: []string{"풀리"}}},
	{"fan", Words{EN: []string{"fan", "cooling fan", "filter mat"}, KO: []string{"팬", "냉각팬"}}},
	{"grease", Words{EN: []string{"grease", "grease line", "lubrication", "lube"}, KO: []string{"그리스", "윤활"}}},
	{"coupling", Words{EN: []string{"coupling", "alignment"}, KO: []string{"커플링", "정렬"}}},
	{"seal", Words{EN: []string{"seal", "mechanical seal"}, KO: []string{"씰", "실링"}}},
	{"encoder", Words{EN: []string{"encoder", "sensor"}, KO: []string{"엔코더", "센서"}}},
}

// Action is something done to a component (a fact a user adds).
type Action struct {
	Key string
	Words
}

// Actions are what a user says was done. Korean verbs are matched by stem.
var Actions = []Action{
	{"replaced", Words{EN: []string{"replaced", "changed", "swapped", "renewed", "fitted a new", "put in a new", "installed a new", "new"}, KO: []string{"교체", "교환", "바꿨", "새로"}}},
	{"cleaned", Words{EN: []string{"cleaned", "flushed", "washed", "cleared", "unblocked"}, KO: []string{"청소", "세척", "뚫었"}}},
	{"tensioned", Words{EN: []string{"re-tensioned", "retensioned", "tensioned", "tightened", "adjusted the tension", "adjusted"}, KO: []string{"장력", "조정", "조였"}}},
	{"greased", Words{EN: []string{"greased", "regreased", "re-greased", "lubricated", "oiled"}, KO: []string{"그리스", "윤활", "주유"}}},
	{"aligned", Words{EN: []string{"aligned", "realigned", "re-aligned"}, KO: []string{"정렬"}}},
}

// FailureMode is a way machines fail, as the incident store files it, with
// what reports it and what sensor evidence supports it.
type FailureMode struct {
	Mode string
	// Names are the mode's names in answers ("bearing wear", "베어링 마모").
	Names Words
	// Components are the parts it is about (bearing, filter…).
	Components []string
	// Reports are phrases that report this failure explicitly: a named
	// component in trouble or a specific symptom ("the belt is slipping",
	// "pressure keeps dropping", "진동이 심해요"). A vague word ("looks
	// off", "이상해요") is no report.
	Reports []string
	// Signs are the sensor movements that support it; Types, when set,
	// limits a sign to those equipment types.
	Signs []Sign
}

// Sign is a sensor moving in one direction (+1 up, -1 down).
type Sign struct {
	Sensor string
	Dir    int
	Types  []string
}

// FailureModes are the failure modes the demo corpus files incidents
// under, most specific first: a named part decides before a symptom.
var FailureModes = []FailureMode{
	{Mode: "belt_slip", Names: Words{EN: []string{"belt slip"}, KO: []string{"벨트 슬립"}}, Components: []string{"belt", "pulley"},
		Reports: []string{`(?i)\bburn\w* rubber|\brubber\b.{0,12}\b(?:burn\w*|smell\w*)|고무.{0,6}(?:타는|탄) ?(?:냄새|내)|\bv-?belts?\b.{0,30}\b(?:slip|squeal|glaz|worn|loose)|\bbelts?\b.{0,20}\b(?:slip|squeal|loose|glaz)|\bslipping\b|\bslips\b|벨트.{0,10}(?:미끄러|슬립|소리|헐거)|미끄러`},
		Signs:   []Sign{{Sensor: "motor_current", Dir: -1}}},
	{Mode: "cavitation", Names: Words{EN: []string{"cavitation"}, KO: []string{"캐비테이션"}},
		Reports: []string{`(?i)cavitat|pressure\s+fluctuat|fluctuat\w*\s+pressure|tank is low|low tank|\bgravel\b|\bmarbles\b|(?:pressure|needle|gauge)\b.{0,20}\b(?:bounc|jump|swing|flicker)\w*|캐비테이션|압력.{0,6}(?:변동|요동|출렁|튀)|자갈|구슬 ?(?:굴러|소리)`},
		Signs:   []Sign{{Sensor: "pressure", Dir: 0, Types: []string{"pump"}}}},
	{Mode: "air_leak", Names: Words{EN: []string{"air leak"}, KO: []string{"공기 누설"}},
		Reports: []string{`(?i)air leak|leak\w* air|hissing|공기 누설|에어 누설|에어 새`},
		Signs:   []Sign{{Sensor: "pressure", Dir: -1, Types: []string{"compressor"}}}},
	{Mode: "filter_clogging", Names: Words{EN: []string{"filter clogging"}, KO: []string{"필터 막힘"}}, Components: []string{"filter", "strainer"},
		Reports: []string{`(?i)(?:filter|strainer|screen|element)s?\b.{0,20}\b(?:clog|block|dirty|full)|\bclog|cannot reach|can't reach|won't reach|(?:can'?t|cannot|won'?t|doesn'?t|not) (?:build(?: up)?|get (?:up )?to|hold)\b.{0,12}\b(?:bar|pressure|psi)\b|\bnot building (?:up )?pressure\b|discharge pressure.{0,20}(?:drop|fall|low)|pressure (?:is |keeps |has been )?(?:dropping|falling|climbing|rising|creeping)|pressure (?:is )?(?:too )?(?:low|high)\b|\b(?:low|high) (?:air |discharge |line |supply )?pressure\b|fills?\b.{0,20}(?:light|low|short|out of tolerance)|\b(?:short|light|under)[- ]?fill|checkweigher|막혔|막힘|압력이? ?(?:계속 )?(?:떨어|낮아|올라|높아|안 올라)|까지 안 올라|\d+(?:\.\d+)?\s*(?:바|bar)\s*(?:이상|까지)?\s*(?:안|못)\s*(?:올라|나와|잡혀|미쳐)|압력\S*\s*(?:안|못)\s*(?:올라|나와|잡혀)|충전량.{0,6}(?:부족|미달)`},
		Signs:   []Sign{{Sensor: "pressure", Dir: +1, Types: []string{"filler"}}, {Sensor: "pressure", Dir: -1, Types: []string{"pump", "compressor"}}}},
	{Mode: "motor_overheating", Names: Words{EN: []string{"motor overheating"}, KO: []string{"모터 과열"}}, Components: []string{"fan"},
		Reports: []string{`(?i)overheat|burn(?:ing|t)? smell|smell\w* (?:of |like )?(?:something )?burn\w*|smells? hot|탄 ?내|타는 ?냄새|running hot\b|runs hot\b|too hot|\bhot\b|temperature (?:alarm|is high|high|keeps rising|rising)|tripped on (?:over-?)?temp|thermal overload|overload (?:relay )?trip|trip\w* (?:on|the) (?:thermal )?overload|과열|뜨거|뜨끈|온도가? ?(?:높|올라|계속)|열동|과부하 ?(?:계전기|릴레이)?.{0,4}(?:트립|작동|떨어)`},
		Signs:   []Sign{{Sensor: "temperature", Dir: +1}}},
	{Mode: "bearing_wear", Names: Words{EN: []string{"bearing wear"}, KO: []string{"베어링 마모"}}, Components: []string{"bearing", "grease"},
		Reports: []string{`(?i)\bbearings?\b.{0,25}\b(?:noisy|noise|worn|fail|going|hot|knock|squeal|grind|rumbl)|knock|grinding|rumbl|vibrat\w*\s+(?:a lot|badly|hard|strongly|heavily|so much|more)|vibration (?:is |keeps |has been )?(?:rising|up|high|increasing|creeping|climbing|trending|going up)|shaking|\bvibrat(?:es|ing)\b|surface finish|베어링.{0,10}(?:소음|소리|마모|걱정|고장)|타격음|쿵쿵|덜컹|딱딱 ?(?:소리|거려)|진동이? ?(?:심|커|크|올라|계속|높|상승)`},
		Signs:   []Sign{{Sensor: "vibration", Dir: +1}}},
}

// Mode returns the named failure mode.
func Mode(mode string) (FailureMode, bool) {
	for _, f := range FailureModes {
		if f.Mode == mode {
			return f, true
		}
	}
	return FailureMode{}, false
}

// ReportedModes returns the failure modes a text reports explicitly, most
// specific first (a named part before a symptom).
func ReportedModes(text string) []string {
	var out []string
	for _, f := range FailureModes {
		for _, r := range f.Reports {
			if reportRe(r).MatchString(text) {
				out = append(out, f.Mode)
				break
			}
		}
	}
	return out
}

var reportCache = map[string]*regexp.Regexp{}

func init() {
	for _, f := range FailureModes {
		for _, r := range f.Reports {
			reportCache[r] = regexp.MustCompile(r)
		}
	}
}

func reportRe(r string) *regexp.Regexp { return reportCache[r] }

// SupportingModes returns the failure modes a sensor moving in dir on an
// asset of the type supports.
func SupportingModes(sensor string, dir int, typ string) []string {
	var out []string
	for _, f := range FailureModes {
		for _, s := range f.Signs {
			if s.Sensor != sensor || (s.Dir != 0 && s.Dir != dir) {
				continue
			}
			if len(s.Types) > 0 && !contains(s.Types, typ) {
				continue
			}
			out = append(out, f.Mode)
			break
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TermPairs are English and Korean words for the same thing in steps and
// procedures; they align a Korean document's steps with an English one's
// and frame quotes.
var TermPairs = []Words{
	{EN: []string{"bearing"}, KO: []string{"베어링"}},
	{EN: []string{"grease", "regrease", "greasing"}, KO: []string{"그리스"}},
	{EN: []string{"lubrication", "lubricate"}, KO: []string{"윤활"}},
	{EN: []string{"vibration"}, KO: []string{"진동"}},
	{EN: []string{"temperature"}, KO: []string{"온도"}},
	{EN: []string{"stethoscope"}, KO: []string{"청진기"}},
	{EN: []string{"thermometer"}, KO: []string{"온도계"}},
	{EN: []string{"distributor"}, KO: []string{"분배기"}},
	{EN: []string{"puller"}, KO: []string{"풀러"}},
	{EN: []string{"hammer"}, KO: []string{"해머"}},
	{EN: []string{"induction heater"}, KO: []string{"유도 가열기"}},
	{EN: []string{"heated", "heat"}, KO: []string{"가열"}},
	{EN: []string{"shaft"}, KO: []string{"축"}},
	{EN: []string{"housing"}, KO: []string{"하우징"}},
	{EN: []string{"baseline"}, KO: []string{"기준"}},
	{EN: []string{"record"}, KO: []string{"기록"}},
	{EN: []string{"run-in", "run in"}, KO: []string{"시운전"}},
	{EN: []string{"compare"}, KO: []string{"비교"}},
	{EN: []string{"previous week", "last week"}, KO: []string{"전주", "지난주"}},
	{EN: []string{"flywheel"}, KO: []string{"플라이휠"}},
	{EN: []string{"slide"}, KO: []string{"슬라이드"}},
	{EN: []string{"coupling"}, KO: []string{"커플링"}},
	{EN: []string{"align"}, KO: []string{"정렬"}},
	{EN: []string{"lock", "padlock"}, KO: []string{"자물쇠", "잠금"}},
	{EN: []string{"key"}, KO: []string{"열쇠"}},
	{EN: []string{"with you", "their own", "your own"}, KO: []string{"본인"}},
	{EN: []string{"line lead"}, KO: []string{"라인 리더"}},
	{EN: []string{"operators"}, KO: []string{"작업자"}},
	// The escalation matrix's situations and whom they go to.
	{EN: []string{"safety"}, KO: []string{"안전"}},
	{EN: []string{"injury", "injured"}, KO: []string{"부상"}},
	{EN: []string{"near miss"}, KO: []string{"아차사고"}},
	{EN: []string{"shift manager"}, KO: []string{"교대 책임자"}},
	{EN: []string{"on-call"}, KO: []string{"당직"}},
	{EN: []string{"immediately"}, KO: []string{"즉시"}},
	{EN: []string{"line stopped", "line stops"}, KO: []string{"라인 정지"}},
	{EN: []string{"production manager"}, KO: []string{"생산 관리자"}},
	{EN: []string{"reliability engineer"}, KO: []string{"신뢰성 엔지니어"}},
	{EN: []string{"spare part"}, KO: []string{"예비품"}},
	{EN: []string{"purchasing"}, KO: []string{"구매"}},
	{EN: []string{"tag"}, KO: []string{"표지"}},
	{EN: []string{"isolate", "isolator"}, KO: []string{"차단"}},
	{EN: []string{"energy"}, KO: []string{"에너지"}},
	{EN: []string{"pressure"}, KO: []string{"압력"}},
	{EN: []string{"depressurise", "depressurize"}, KO: []string{"감압"}},
	{EN: []string{"gauge"}, KO: []string{"압력계", "게이지"}},
	{EN: []string{"element"}, KO: []string{"엘리먼트"}},
	{EN: []string{"o-ring"}, KO: []string{"o-링", "O-링"}},
	{EN: []string{"cip"}, KO: []string{"cip"}},
	{EN: []string{"restart"}, KO: []string{"재가동"}},
	{EN: []string{"drain"}, KO: []string{"배출"}},
	{EN: []string{"debris", "pulp", "fibres", "rust"}, KO: []string{"이물", "과육", "섬유", "녹"}},
	{EN: []string{"stop"}, KO: []string{"정지"}},
	{EN: []string{"end of a cycle", "cycle"}, KO: []string{"사이클"}},
	{EN: []string{"return tank"}, KO: []string{"회수 탱크"}},
	{EN: []string{"belt", "belts"}, KO: []string{"벨트"}},
	{EN: []string{"guard"}, KO: []string{"가드"}},
	{EN: []string{"glazing", "glazed"}, KO: []string{"글레이징"}},
	{EN: []string{"cracks"}, KO: []string{"균열"}},
	{EN: []string{"oil"}, KO: []string{"오일"}},
	{EN: []string{"pulley"}, KO: []string{"풀리"}},
	{EN: []string{"groove"}, KO: []string{"홈"}},
	{EN: []string{"matched set"}, KO: []string{"매칭된 세트"}},
	{EN: []string{"frequency meter"}, KO: []string{"주파수 측정기"}},
	{EN: []string{"tension"}, KO: []string{"장력"}},
	{EN: []string{"line lead", "operators"}, KO: []string{"라인 리더", "작업자"}},
	{EN: []string{"emergency stop"}, KO: []string{"비상 정지"}},
	{EN: []string{"electrical isolator", "main electrical"}, KO: []string{"주 전원"}},
	{EN: []string{"pneumatic", "air pressure"}, KO: []string{"공압"}},
	{EN: []string{"coolant"}, KO: []string{"절삭유"}},
	{EN: []string{"level"}, KO: []string{"수위"}},
	{EN: []string{"hydraulic", "accumulator"}, KO: []string{"유압", "어큐뮬레이터"}},
	{EN: []string{"zero energy", "verify"}, KO: []string{"무에너지", "확인"}},
	{EN: []string{"voltage"}, KO: []string{"전압"}},
	{EN: []string{"guards refitted", "refit"}, KO: []string{"가드 복구", "장착"}},
	{EN: []string{"filter"}, KO: []string{"필터"}},
	{EN: []string{"strainer"}, KO: []string{"스트레이너"}},
	{EN: []string{"fan"}, KO: []string{"팬"}},
	{EN: []string{"motor"}, KO: []string{"모터"}},
	{EN: []string{"insulation"}, KO: []string{"절연"}},
	{EN: []string{"terminal", "terminals"}, KO: []string{"단자"}},
	{EN: []string{"inspect", "inspection"}, KO: []string{"점검"}},
	{EN: []string{"replace", "replacement"}, KO: []string{"교체"}},
	{EN: []string{"clean"}, KO: []string{"청소", "세척"}},
	{EN: []string{"new"}, KO: []string{"새"}},
	{EN: []string{"specified quantity"}, KO: []string{"규정량"}},
	{EN: []string{"trend"}, KO: []string{"추세"}},
	{EN: []string{"shift"}, KO: []string{"교대"}},
	{EN: []string{"remove locks", "locks"}, KO: []string{"잠금 해제"}},
	{EN: []string{"30 minutes"}, KO: []string{"30분"}},
	{EN: []string{"gasket"}, KO: []string{"개스킷"}},
	{EN: []string{"pump"}, KO: []string{"펌프"}},
	{EN: []string{"switch"}, KO: []string{"전환"}},
	{EN: []string{"cover"}, KO: []string{"커버"}},
	{EN: []string{"valve", "valves"}, KO: []string{"밸브"}},
	{EN: []string{"prime"}, KO: []string{"프라이밍"}},
	{EN: []string{"backup"}, KO: []string{"예비"}},
	{EN: []string{"receiver"}, KO: []string{"리시버"}},
	{EN: []string{"reservoir"}, KO: []string{"탱크"}},
	{EN: []string{"outlet"}, KO: []string{"출구"}},
	{EN: []string{"counter"}, KO: []string{"카운터"}},
	{EN: []string{"sister"}, KO: []string{"자매"}},
	{EN: []string{"bolts"}, KO: []string{"볼트"}},
}
