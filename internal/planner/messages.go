package planner

import "fmt"

// messages is the planner's catalogue: every fixed phrase, sentence
// template and safety wording of an answer, in English and Korean, so that
// an answer in either language has the same structure, order and tags.
// Korean templates may reorder their arguments with explicit indexes
// (%[3]s). Section headers are the agent's (agent.Render) and the bot's.
// A test checks that every key has both languages and that each formats
// its arguments cleanly.
var messages = map[string][2]string{
	// Events, readings.
	"event.ongoing": {"%s %s: %s%s now (usual %s), %sσ %s usual since %s (%d h, %s).",
		"%[1]s %[2]s: 현재 %[3]s%[4]s (평소 %[5]s), %[8]s부터 평소보다 %[6]sσ %[7]s (%[9]d시간째, %[10]s)."},
	"event.ongoing_at": {"%s %s: %s%s at %s (usual %s), %sσ %s usual since %s (%s).",
		"%[1]s %[2]s: %[5]s 기준 %[3]s%[4]s (평소 %[6]s), %[9]s부터 평소보다 %[7]sσ %[8]s (%[10]s)."},
	"event.at": {"%s %s: %sσ %s usual at %s (%s: %s%s, usual %s).",
		"%[1]s %[2]s: %[5]s에 평소보다 %[3]sσ %[4]s (%[6]s: %[7]s%[8]s, 평소 %[9]s)."},
	"event.past": {"%s %s: %sσ %s usual from %s to %s (%s: %s%s, usual %s).",
		"%[1]s %[2]s: %[5]s ~ %[6]s 평소보다 %[3]sσ %[4]s (%[7]s: %[8]s%[9]s, 평소 %[10]s)."},
	"dir.above":           {"above", "높음"},
	"dir.below":           {"below", "낮음"},
	"asset.stale":         {"%s's data ends at %s: nothing newer has arrived, so this is what its last data shows.", "%s의 데이터는 %s에 끝납니다. 그 뒤 데이터가 없어 마지막 데이터로 판단했습니다."},
	"plant.stale":         {"The plant's data ends at %s: nothing newer has arrived, so this is what its last data shows.", "플랜트 데이터는 %s에 끝납니다. 그 뒤 데이터가 없어 마지막 데이터로 판단했습니다."},
	"assets.records_only": {"%d machine(s) have only maintenance records, no sensor data: their anomalies could not be checked.", "설비 %d대는 센서 데이터 없이 정비 기록만 있어 이상 여부를 확인할 수 없습니다."},
	"asset.noseries":      {"%s has no sensor data in Gemba, only maintenance records: ask for its history, its failures or its last service.", "%s는 Gemba에 센서 데이터가 없고 정비 기록만 있습니다. 이력, 고장 기록, 마지막 정비를 물어봐 주세요."},
	"quiet.one":           {"%s: no significant anomalies (%s).", "%s: %s 동안 유의미한 이상 없음."},
	"quiet.readings":      {"%s: no significant anomalies (%s); latest readings (%s): %s.", "%[1]s: %[2]s 동안 유의미한 이상 없음. 최근 측정값(%[3]s): %[4]s."},
	"quiet.many":          {"No significant anomalies on %s (%s).", "%[1]s: %[2]s 동안 유의미한 이상 없음."},
	"quiet.line":          {"%s: no significant anomalies on %s (%s).", "%[1]s: %[2]s, %[3]s 동안 유의미한 이상 없음."},
	"tool.failed":         {"Could not check everything: %s", "일부는 확인하지 못했습니다(도구 메시지 원문): %s"},
	"reading.now":         {"%s %s: %s%s at %s.", "%s %s: %s%s (%s 기준)."},

	// Names.
	"sensor.vibration":     {"vibration", "진동"},
	"sensor.temperature":   {"temperature", "온도"},
	"sensor.pressure":      {"pressure", "압력"},
	"sensor.motor_current": {"motor current", "모터 전류"},
	"sensor.speed":         {"speed", "속도"},
	"sensor.output":        {"output", "생산량"},
	"kind.drift":           {"drift", "서서히 변화"},
	"kind.level_shift":     {"level shift", "수준 변화"},
	"kind.spike":           {"spike", "급변"},
	"level.alert":          {"alert", "주의"},
	"level.alarm":          {"alarm", "경보"},
	"level.danger":         {"danger", "위험"},
	"level.stop":           {"stop", "정지"},
	"outcome.worked":       {"fixed", "효과 있었음"},
	"unit.parts":           {"parts", "개"},
	"outcome.failed":       {"did not fix it", "효과 없었음"},
	"outcome.partial":      {"partly fixed", "일부 효과"},
	"outcome.unknown":      {"outcome not recorded", "결과 기록 없음"},

	// Unknown things.
	"unknown.sensor":  {"%s has no %s sensor (its sensors: %s).", "%s에는 %s 센서가 없습니다(있는 센서: %s)."},
	"unknown.instead": {"I can check the plant's own machines and lines instead (%s): ask, for example, \"is %s ok?\".", "대신 이 플랜트의 설비와 라인(%s)을 확인할 수 있습니다. 예: \"%s 괜찮아?\""},

	// Causes.
	"explain.trend":      {"a trend change (%s%s over the window), not the usual daily and weekly pattern", "평소 일간·주간 패턴이 아닌 추세 변화 (구간 중 %s%s)"},
	"explain.irregular":  {"short irregular excursions, not a trend", "추세가 아닌 짧고 불규칙한 변동"},
	"explain.pattern":    {"the usual daily and weekly pattern explains most of the movement", "움직임 대부분이 평소 일간·주간 패턴으로 설명됨"},
	"explain.vs_week":    {"%s%% against the same hours a week earlier", "지난주 같은 시간대 대비 %s%%"},
	"explain.vs_day":     {"%s%% against the same hours a day earlier", "전날 같은 시간대 대비 %s%%"},
	"cause.pattern":      {"The %s pattern: %s", "%s 패턴: %s"},
	"cause.report":       {"The sensor data does not show %s on %s; what follows rests on what you describe.", "%[2]s의 %[1]s은(는) 센서 데이터로 확인되지 않습니다. 아래는 말씀하신 내용 기준입니다."},
	"cause.own":          {"As in %s on %s: %s", "%[2]s의 과거 사례 %[1]s: %[3]s"},
	"cause.own_title":    {"A past case of the same kind on %[2]s: %[1]s %[3]s.", "%[2]s의 같은 종류 과거 사례: %[1]s %[3]s."},
	"cause.similar":      {"Not a %s case of its own: in a %s (%s), %s", "%[1]s 자체 사례는 아니며, %[2]s(%[3]s) 기준: %[4]s"},
	"rank.cause_nolimit": {"%s comes first: its readings show the %s pattern, the strongest anomaly in the plant.", "%s이(가) 가장 먼저입니다: 측정값이 %s 패턴을 보이며 가장 큰 이상입니다."},
	"rank.cause":         {"%s comes first: its readings show the %s pattern and cross a limit its documents state.", "%s이(가) 가장 먼저입니다: 측정값이 %s 패턴을 보이고 문서에 적힌 기준을 넘었습니다."},

	// Facts the user added.
	"fact.bearing_replaced": {"You said the bearing was replaced: a worn bearing is unlikely, so the steps that replace it are left out; with the vibration still up on a new bearing, check how it was fitted (grease reaching it, alignment, looseness).", "베어링을 교체했다고 하셨으므로 베어링 마모 가능성은 낮아 교체 단계는 제외했습니다. 새 베어링인데도 진동이 높다면 장착 상태(그리스 공급, 정렬, 체결 풀림)를 확인하세요."},
	"fact.filter_replaced":  {"You said the filter was already changed: the filter change is left out; if the pressure is still off, check the element's rating and the valves and sensor.", "필터를 이미 교체했다고 하셨으므로 필터 교체 단계는 제외했습니다. 압력이 여전히 이상하면 엘리먼트 규격과 밸브·센서를 확인하세요."},
	"fact.strainer_cleaned": {"You said the strainer was cleaned: that step is left out; if the pressure still drops, look for where debris enters, or for cavitation at a low tank level.", "스트레이너를 청소했다고 하셨으므로 그 단계는 제외했습니다. 압력이 계속 떨어지면 이물 유입 경로나 낮은 탱크 수위의 캐비테이션을 확인하세요."},
	"fact.belt_tensioned":   {"You said the belt was re-tensioned: tension alone did not cure it, so inspect the belt for glazing or oil and replace it if so.", "벨트 장력을 이미 조정했다고 하셨으므로 장력만으로는 해결되지 않은 것입니다. 벨트의 글레이징이나 오일을 점검하고 해당되면 교체하세요."},
	"fact.belt_replaced":    {"You said the belt was replaced: belt slip is unlikely; check the pulleys and the load.", "벨트를 교체했다고 하셨으므로 벨트 슬립 가능성은 낮습니다. 풀리와 부하를 확인하세요."},
	"fact.greased":          {"You said it was regreased: the regreasing steps are left out; if the vibration is still up, the bearing may be worn (regreasing a spalled bearing only hides it).", "이미 그리스를 주입했다고 하셨으므로 재윤활 단계는 제외했습니다. 진동이 여전히 높다면 베어링 마모일 수 있습니다(박리된 베어링은 재윤활로 증상만 가려집니다)."},

	"fact.bearing_replaced.step": {"Check how the new bearing was fitted: grease reaching it, the coupling alignment, loose bolts or housing.", "새 베어링 장착 상태를 확인하세요: 그리스 공급, 커플링 정렬, 볼트·하우징 풀림."},
	"fact.filter_replaced.step":  {"Check the new element's rating and the valves, and compare the gauge with the sensor reading.", "새 엘리먼트 규격과 밸브를 확인하고, 압력계와 센서 값을 비교하세요."},
	"fact.strainer_cleaned.step": {"Find where the debris enters (return tank screen), and check the tank level for cavitation.", "이물이 들어오는 곳(회수 탱크 스크린)을 찾고, 캐비테이션 여부를 위해 탱크 수위를 확인하세요."},
	"fact.belt_replaced.step":    {"Check the pulley grooves and the load on the drive.", "풀리 홈과 구동부 부하를 확인하세요."},
	"fact.belt_tensioned.step":   {"Inspect the belt for glazing, cracks or oil, and replace a glazed or oil-soaked belt.", "벨트의 글레이징·균열·오일을 점검하고, 글레이징되거나 오일에 젖은 벨트는 교체하세요."},
	"fact.greased.step":          {"Listen to the bearing and compare its vibration after one hour with before the regreasing.", "베어링 소리를 확인하고 재윤활 한 시간 뒤 진동을 그 전과 비교하세요."},

	// Documents quoted.
	"quote.en":               {"%s", "(영문 원문) \"%s\""},
	"quote.ko":               {"(Korean original) \"%s\"", "%s"},
	"quote.step":             {"%s (%s)", "(영문 원문, %[2]s) \"%[1]s\""},
	"recorded.worked":        {"in %s this fixed it: %s", "%s의 기록된 조치(효과 있었음): %s"},
	"recorded.failed":        {"in %s this did not fix it: %s", "%s의 기록된 조치(효과 없었음): %s"},
	"recorded.partial":       {"in %s this only partly fixed it: %s", "%s의 기록된 조치(일부 효과): %s"},
	"recorded.worked.short":  {"as done in %s, which fixed it", "%s에서 한 조치(효과 있었음)"},
	"recorded.failed.short":  {"done in %s, which did not fix it", "%s에서 한 조치(효과 없었음)"},
	"recorded.partial.short": {"done in %s, which only partly fixed it", "%s에서 한 조치(일부 효과)"},

	// Bases of steps that touch equipment.
	"basis.sensor":  {"sensor evidence: %s %s shows the %s pattern", "센서 근거: %s %s에서 %s 패턴 확인"},
	"basis.report":  {"based on your report of %s; the sensors do not confirm it", "보고하신 %s 증상 기준이며 센서로는 확인되지 않음"},
	"basis.request": {"the procedure you asked for", "요청하신 절차"},

	// Rules documents state.
	"rule.crossed":           {"%s %s %s%s is %s the %s%s %s limit in %s", "%[1]s %[2]s %[3]s%[4]s: %[9]s의 %[8]s 기준 %[6]s%[7]s %[5]s"},
	"rule.dir.above":         {"above", "초과"},
	"rule.dir.below":         {"below", "미만"},
	"rule.dir.above_rising":  {"above", "초과"},
	"rule.dir.below_falling": {"below", "미만"},
	"rule.for":               {" and has risen for %d h", ", %d시간째 상승 중"},
	"rule.before_horizon":    {"That is about %s, sooner than the time you asked about (%s, to %s): do not plan to run it that long without acting.", "약 %[1]s로, 물어보신 시점(%[2]s, %[3]s)보다 앞섭니다. 조치 없이 그때까지 가동할 계획은 세우지 마세요."},
	"rule.after_horizon":     {"At this rate it stays below that limit for the time you asked about (%s, to %s), but the rate can change: re-check every shift.", "이 속도라면 물어보신 시점(%[1]s, %[2]s)까지는 그 기준 아래지만 속도는 바뀔 수 있으니 매 교대 다시 확인하세요."},
	"rule.quiet_horizon":     {"Nothing in its data now points to a problem before the time you asked about (%s, to %s); the data cannot promise it, so re-check every shift.", "지금 데이터로는 물어보신 시점(%[1]s, %[2]s) 전에 문제를 가리키는 것이 없습니다. 데이터가 보장하지는 못하니 매 교대 다시 확인하세요."},
	"rule.outlook":           {"At this rate it reaches the %s%s %s limit (%s) in about %s h.", "이 속도라면 약 %[5]s시간 뒤 %[4]s의 %[3]s 기준 %[1]s%[2]s에 도달합니다."},

	// Escalation.
	"rule.report":         {"Report the reading to the maintenance lead now and follow %s.", "측정값을 지금 보전 담당 리더에게 알리고 %s 절차를 따르세요."},
	"escalate.limit_call": {"At %s%s (%s in %s): call the maintenance lead.", "%s%s 도달 시(%s, %s): 보전 담당 리더에게 바로 알리세요."},
	"escalate.limit":      {"At %s%s (%s in %s): %s.", "%s%s 도달 시(%s, %s): %s."},
	"escalate.default":    {"Call the maintenance lead if the readings keep rising or the machine trips.", "수치가 계속 오르거나 설비가 정지하면 보전 담당 리더에게 바로 알리세요."},
	"escalate.quiet":      {"If it still looks or sounds wrong to you, tell the maintenance lead what you see: the data shows nothing so far.", "그래도 이상해 보이거나 소리가 나면 보전 담당 리더에게 본 내용을 알리세요. 지금까지 데이터에는 이상이 없습니다."},
	"escalate.production": {"Tell the shift lead and production planning if the forecast stays below plan.", "예측이 계속 계획보다 낮으면 교대 리더와 생산 계획 담당에게 알리세요."},
	"escalate.procedure":  {"Stop and call the maintenance lead if anything in the procedure does not match what you find.", "절차 내용과 현장 상황이 다르면 작업을 멈추고 보전 담당 리더에게 연락하세요."},

	// Ranking.
	"rank.head":       {"Ranked by risk (anomalies: %s; limits from the runbooks):", "위험도 순위 (%s 이상 감지, 기준은 절차서):"},
	"rank.quiet":      {"No significant anomalies on the other %d asset(s) (%s; %s).", "나머지 %d대(%s)는 %s 동안 유의미한 이상 없음."},
	"rank.lines_head": {"Lines ranked by their riskiest machine (%s):", "가장 위험한 설비 기준 라인 순위 (%s):"},
	"rank.line_quiet": {"no significant anomalies (%s)", "%s 동안 유의미한 이상 없음"},
	"cmp.furthest":    {"Furthest behind plan: %s at %s%%.", "계획 대비 가장 뒤처진 라인: %s (%s%%)."},
	"handover.head":   {"Handover for %s:", "%s 인수인계:"},
	"summary.head":    {"Summary of %s:", "%s 요약:"},
	"handover.watch":  {"Watch first: %s (%s pattern).", "가장 먼저 볼 것: %s (%s 패턴)."},

	// Forecasts and output.
	"fc.head_plan":       {"Forecast against plan to %s:", "%s까지 계획 대비 예측:"},
	"plan.ahead":         {"%s: next %d h forecast %s vs plan %s (%s%%, 80%%: %s–%s)", "%[1]s: 앞으로 %[2]d시간 예측 %[3]s / 계획 %[4]s (달성률 %[5]s%%, 80%% 구간 %[6]s–%[7]s)"},
	"plan.short":         {", expected shortfall %s%s", ", 예상 부족 %s%s"},
	"plan.at_risk":       {"; %d h below plan even at the upper 80%% bound", "; 80%% 상한으로도 계획 미달인 시간 %d시간"},
	"fc.model":           {" (model %s, backtest MASE %s)", " (모델 %s, 백테스트 MASE %s)"},
	"fc.cutoff":          {", data to %s", ", 데이터 기준 %s"},
	"fc.from_data_end":   {"the %[2]s after its data ends (%[1]s; there is no newer data)", "데이터가 끝난 %[1]s 이후 %[2]s(더 최근 데이터 없음)"},
	"fc.capped":          {"You asked for %s, further ahead than this history supports: I can forecast at most %s ahead. The longest forecast:", "요청하신 %s는 이 이력으로 예측할 수 있는 범위를 넘습니다. 최대 %s 앞까지만 예측할 수 있습니다. 가능한 가장 긴 예측:"},
	"fc.model_nobt":      {" (model %s; not backtested: the history holds no origin for a horizon this long)", " (모델 %s, 이 길이의 예측은 이력상 백테스트 불가)"},
	"fc.line":            {"%s: %s forecast %s%s (80%%: %s–%s)", "%[1]s: %[2]s 예측 생산량 %[3]s%[4]s (80%% 구간 %[5]s–%[6]s)"},
	"fc.total":           {"Plant total for %s: %s%s (80%%: %s–%s).", "%[1]s 공장 합계: %[2]s%[3]s (80%% 구간 %[4]s–%[5]s)."},
	"fc.sensor":          {"%s over %s: %s%s by %s (80%%: %s–%s)", "%[1]s 예측(%[2]s): %[5]s에 %[3]s%[4]s (80%% 구간 %[6]s–%[7]s)"},
	"fc.reach":           {"The upper 80%% bound of %s reaches %s%s by %s.", "%[1]s의 80%% 상한이 %[4]s까지 %[2]s%[3]s에 도달합니다."},
	"fc.noreach":         {"%s is not forecast to reach %s%s within %s, even at the upper 80%% bound.", "%[1]s는 %[4]s 안에 80%% 상한으로도 %[2]s%[3]s에 도달하지 않는 것으로 예측됩니다."},
	"out.line":           {"%s, %s: %s%s produced of %s planned (%s%%, %s).", "%[1]s, %[2]s: 생산 %[3]s%[4]s / 계획 %[5]s (달성률 %[6]s%%, %[7]s)."},
	"out.short":          {"%s%s short", "%s%s 부족"},
	"out.ahead":          {"%s%s ahead", "%s%s 초과"},
	"out.total":          {"Plant, %s: %s%s produced of %s planned (%s%%).", "공장 전체, %[1]s: 생산 %[2]s%[3]s / 계획 %[4]s (달성률 %[5]s%%)."},
	"out.window_default": {"(No time named: the last 24 hours.)", "(기간을 말하지 않아 지난 24시간 기준입니다.)"},

	// Metrics the plant cannot compute.
	"metric.oee.missing":     {"I cannot compute OEE here: the plant's data has no downtime or machine-state records (availability) and no good and scrap counts (quality); it has hourly output and plan.", "여기서는 OEE(설비종합효율)를 계산할 수 없습니다. 플랜트 데이터에 정지 시간·설비 상태 기록(가동률)과 양품·불량 수량(품질)이 없고, 시간별 생산량과 계획만 있습니다."},
	"metric.oee.instead":     {"What I can give instead: output against plan (the performance side of OEE), and anomalies on the line's machines.", "대신 드릴 수 있는 것: 계획 대비 생산량(OEE의 성능 측면)과 라인 설비의 이상 여부."},
	"metric.energy.missing":  {"I cannot report energy use: the plant has no power or energy meters (kWh) in its data.", "전력(에너지) 사용량은 알려 드릴 수 없습니다. 플랜트 데이터에 전력량계(kWh)가 없습니다."},
	"metric.energy.instead":  {"What I can give instead: each machine's motor current (A), a proxy for its load.", "대신 드릴 수 있는 것: 설비별 모터 전류(A), 부하의 대리 지표."},
	"metric.quality.missing": {"I cannot report scrap, yield or quality: the plant's data has no good, scrap or reject counts.", "불량률·수율·품질은 알려 드릴 수 없습니다. 플랜트 데이터에 양품·불량 수량이 없습니다."},
	"metric.quality.instead": {"What I can give instead: output against plan, and anomalies that often come with quality problems.", "대신 드릴 수 있는 것: 계획 대비 생산량과 품질 문제와 자주 함께 나타나는 이상."},
	// Maintenance history.
	"maint.none":             {"No maintenance history is recorded for this plant yet: import the CMMS's work orders, failures and alerts (gemba history import).", "이 플랜트에는 아직 정비 이력 기록이 없습니다. CMMS의 작업지시·고장·알람을 가져오세요 (gemba history import)."},
	"maint.type":             {"the %s machines", "%s 설비"},
	"maint.plant":            {"the plant", "플랜트 전체"},
	"maint.escalate":         {"Figures come from the maintenance records; ask the maintenance planner if a record looks wrong or missing.", "수치는 정비 기록에서 계산했습니다. 기록이 틀리거나 빠져 보이면 보전 계획 담당자에게 확인하세요."},
	"maint.last":             {"%s was last serviced on %s: %s (%s).", "%[1]s 마지막 정비: %[2]s, %[3]s (%[4]s)."},
	"maint.last_none":        {"%s: no service record (preventive work, inspection or work order done).", "%s: 정비 기록(예방정비, 점검, 완료된 작업지시)이 없습니다."},
	"failure.record":         {"%s: %s failure recorded %s (%s).", "%[1]s: %[3]s %[2]s 고장 기록 (%[4]s)."},
	"failure.none_plant":     {"No failure is recorded in the plant in %s.", "%s 동안 플랜트에 기록된 고장은 없습니다."},
	"failure.plant_head":     {"%d failure(s) recorded in %s:", "%[2]s 동안 기록된 고장 %[1]d건:"},
	"failure.none":           {"No failure of %s is recorded in %s.", "%[2]s 동안 %[1]s의 고장 기록은 없습니다."},
	"precursor.head":         {"Before it (the 7 days before the failure): %s.", "고장 전 7일 동안: %s."},
	"precursor.event":        {"%s %sσ %s usual from %s (%s h before)", "%[4]s부터 %[1]s 평소보다 %[2]sσ %[3]s (%[5]s시간 전)"},
	"precursor.alert":        {"alerts %s at %s (%s h before)", "%[2]s 경보 %[1]s (%[3]s시간 전)"},
	"precursor.none":         {"No anomaly event and no alert on %s in the 7 days before it: the data show no precursor.", "고장 전 7일 동안 %s에 이상 이벤트나 경보가 없어, 데이터로는 전조를 찾지 못했습니다."},
	"maint.last_failure":     {"Last failure: %s, %s (%s).", "마지막 고장: %s, %s (%s)."},
	"maint.next":             {"Next service due %s (%s).", "다음 정비 예정: %s (%s)."},
	"maint.next_estimated":   {"Next service about %s (estimated from the usual interval between preventive records).", "다음 정비 예상: %s 경 (예방정비 기록의 평소 간격으로 추정)."},
	"maint.count":            {"%s: %d %s recorded (%s).", "%[1]s: %[4]s 기간 %[3]s %[2]d건 기록."},
	"maint.what_failures":    {"failure(s)", "고장"},
	"maint.what_service":     {"service record(s)", "정비"},
	"maint.what_wo":          {"work order(s)", "작업 지시"},
	"maint.what_wo_open":     {"open work order(s)", "미완료 작업 지시"},
	"maint.count_rank":       {"Ranked by the number recorded, most first:", "기록 건수 순 (많은 순):"},
	"maint.count_none_any":   {"No %s recorded on any machine (%s).", "어느 설비에도 %[2]s 기간 %[1]s 기록이 없습니다."},
	"maint.count_zero_hint":  {"None in that window; ask without a date to see the earlier ones.", "해당 기간에는 없습니다. 기간 없이 물어보시면 이전 기록을 보여 드립니다."},
	"maint.downtime":         {"%s: %s hours of downtime recorded, %d failure(s) (%s).", "%[1]s: 정지 시간 %[2]s시간 기록, 고장 %[3]d건 (%[4]s)."},
	"maint.reliability_head": {"%s: %d failure(s) on %d asset(s) over %s operating hours (%s).", "%[1]s: 가동 %[4]s시간 동안 설비 %[3]d대에서 고장 %[2]d건 (%[5]s)."},
	"maint.mtbf":             {"MTBF %s h (%s days) = operating hours ÷ failures.", "MTBF %s시간 (%s일) = 가동 시간 ÷ 고장 건수."},
	"maint.mtbf_none":        {"MTBF cannot be computed: no failures in the window.", "기간 내 고장이 없어 MTBF를 계산할 수 없습니다."},
	"maint.mttr":             {"MTTR %s h (mean repair time of %d timed repair(s)).", "MTTR %s시간 (수리 시간이 기록된 %d건의 평균)."},
	"maint.mttr_none":        {"MTTR unknown: the records carry no repair times.", "기록에 수리 시간이 없어 MTTR은 알 수 없습니다."},
	"maint.records":          {"Records: %s.", "근거 기록: %s."},
	"maint.bundle_none":      {"No open work orders for %s.", "%s: 미완료 작업지시가 없습니다."},
	"maint.visit":            {"%s: one visit for %d open work order(s) %s, due %s to %s, about %d min of work.", "%[1]s: 미완료 작업지시 %[2]d건(%[3]s)을 한 번에 방문 처리, 기한 %[4]s ~ %[5]s, 작업 약 %[6]d분."},
	"risk.untrained":         {"Ranked by anomaly severity: no failure-risk model is trained for this plant yet (gemba model train risk needs enough recorded failures).", "이상 심각도 기준 순위입니다. 이 플랜트에는 아직 고장 위험 모델이 학습되지 않았습니다 (gemba model train risk, 고장 기록이 충분해야 함)."},
	"risk.head_stale":        {"Failure risk (%s, learned from the plant's history) as of its latest record, %s: the records end there, so this says nothing of now:", "고장 위험 (%s, 플랜트 이력으로 학습), 마지막 기록 시점 %s 기준: 기록이 그때 끝나므로 현재 상태는 알 수 없습니다:"},
	"risk.head":              {"Failure risk (%s, learned from the plant's history):", "고장 위험 (%s, 플랜트 이력으로 학습):"},
	"risk.asset":             {"%s: %s%% risk of failure within 48 h (7 days: %s%%).", "%s: 48시간 내 고장 위험 %s%% (7일: %s%%)."},
	"risk.driver":            {"Driven by %s = %s.", "주요 요인: %s = %s."},

	"metric.reliability.missing": {"I cannot compute MTBF or MTTR: the plant's data has no machine-state or failure log.", "MTBF·MTTR은 계산할 수 없습니다. 플랜트 데이터에 설비 상태나 고장 기록이 없습니다."},
	"metric.reliability.instead": {"What I can give instead: the recorded incidents of a machine, with their dates, downtime and whether the fix worked.", "대신 드릴 수 있는 것: 설비의 과거 사례 기록(날짜, 정지 시간, 조치 효과)."},
	"metric.downtime.missing":    {"I cannot report downtime: the plant's data has no machine-state records.", "정지 시간은 알려 드릴 수 없습니다. 플랜트 데이터에 설비 상태 기록이 없습니다."},
	"metric.downtime.instead":    {"What I can give instead: output against plan hour by hour, and the downtime recorded in past incident reports.", "대신 드릴 수 있는 것: 시간별 계획 대비 생산량과 과거 사례 보고서에 기록된 정지 시간."},
	"metric.cycle.missing":       {"I cannot report cycle time: the plant's data has no cycle counts.", "사이클 타임은 알려 드릴 수 없습니다. 플랜트 데이터에 사이클 수 기록이 없습니다."},
	"metric.cycle.instead":       {"What I can give instead: output per hour against plan, and the speed each machine runs at.", "대신 드릴 수 있는 것: 시간당 계획 대비 생산량과 설비별 속도."},
	"metric.flow.missing":        {"I cannot report flow (air, water or product delivered): the plant has no flow meters in its data.", "유량(공기·물·제품 토출량)은 알려 드릴 수 없습니다. 플랜트 데이터에 유량계가 없습니다."},
	"metric.flow.instead":        {"What I can give instead: the pressure the machines hold, and their motor current.", "대신 드릴 수 있는 것: 설비의 압력과 모터 전류."},
	"metric.humidity.missing":    {"I cannot report humidity: the plant has no humidity sensors in its data.", "습도는 알려 드릴 수 없습니다. 플랜트 데이터에 습도 센서가 없습니다."},
	"metric.humidity.instead":    {"What I can give instead: the temperatures the machines measure.", "대신 드릴 수 있는 것: 설비가 측정하는 온도."},
	"metric.instead_output":      {"Instead:", "대신:"},

	// History.
	"hist.head":     {"Past incidents (%s):", "과거 사례 (%s):"},
	"hist.none":     {"No past incidents of %s in the store.", "저장소에 %s 관련 과거 사례가 없습니다."},
	"hist.none_own": {"%s has no past incident of its own for %s; the closest cases elsewhere:", "%s 자체의 %s 과거 사례는 없습니다. 다른 설비의 유사 사례:"},
	"hist.this":     {"this", "이 증상"},
	"hist.line":     {"%s (%s): %s — %s", "%s (%s): %s — %s"},
	"hist.done":     {"; what was done: %s", "; 조치: %s"},

	// Procedures.
	"proc.head":           {"Procedure: %s %s.", "절차: %s %s."},
	"proc.also":           {"(Korean version: %s)", "(한국어 절차서: %s)"},
	"limits.one":          {"%s %s %s%s (%s)", "%[1]s: %[3]s%[4]s %[2]s (%[5]s)"},
	"limits.above":        {"above", "초과"},
	"limits.below":        {"below", "미만"},
	"limits.now":          {"— now %s%s (%s).", "— 현재 %s%s (%s 기준)."},
	"limits.none":         {"No limit for %s is stated in its runbooks, incidents or the plant model (plant.yaml): add them there to have Gemba apply them.", "%s의 기준값은 절차서, 과거 사례, 플랜트 모델(plant.yaml) 어디에도 없습니다. 그곳에 적어 두면 Gemba가 적용합니다."},
	"limits.which":        {"Which machine? Name one, for example \"what are the limits for press-3?\"", "어느 설비인가요? 예: \"3호기 프레스 기준값 알려줘\""},
	"catalog.sensors":     {"%s has %d sensor(s): %s.", "%s 센서 %d개: %s."},
	"catalog.line":        {"%s: %s", "%s: %s"},
	"catalog.others":      {"On no line: %s", "라인 미지정: %s"},
	"catalog.others_many": {"On no line: %d machines, among them %s …", "라인 미지정: 설비 %d대, 그중 %s …"},
	"catalog.ask":         {"Ask about any of them, for example \"what sensors does %[1]s have?\" or \"is %[1]s ok?\"", "어느 설비든 물어보세요. 예: \"%[1]s 센서는?\", \"%[1]s 괜찮아?\""},
	"doc.none":            {"There is no document %s in the plant's memory: search by what happened instead (for example \"press-3 bearing failure\").", "플랜트 기록에 %s 문서가 없습니다. 무슨 일이 있었는지로 검색해 보세요(예: \"3호기 프레스 베어링 고장\")."},
	"doc.symptoms":        {"Symptoms: %s", "증상: %s"},
	"doc.cause":           {"Root cause: %s", "근본 원인: %s"},
	"doc.done":            {"What was done: %s", "조치: %s"},
	"time.baddate": {"%s is not a date: that month has %d days. Ask again with the day you mean (its last day is %s).",
		"%s는 없는 날짜입니다. 그 달은 %d일까지 있습니다. 원하시는 날짜로 다시 물어봐 주세요(그 달의 마지막 날: %s)."},
	"time.badmonth": {"%s is not a date: there is no month %d.", "%s는 없는 날짜입니다. %d월은 없습니다."},
	"symptom.unseen": {"No recorded incident of %s matches what you describe (%s), and its data shows nothing unusual: I cannot tell the cause from here. I can list its past incidents, show its trends over a longer window, or give the runbook for a part you name.",
		"%[1]s의 기록된 사례 중 말씀하신 증상(%[2]s)과 맞는 것이 없고, 데이터에도 이상이 없습니다. 여기서는 원인을 알 수 없습니다. 과거 사례 목록, 더 긴 기간의 추이, 말씀하신 부품의 절차서는 드릴 수 있습니다."},
	"symptom.seen": {"The data shows nothing unusual now, but %s's records describe this before:", "지금 데이터에는 이상이 없지만, %s의 기록에 같은 증상이 있습니다:"},
	"proc.none":    {"I found no procedure for that in the runbooks.", "절차서에서 해당 절차를 찾지 못했습니다."},
	"proc.shortcut": {"No. Do not skip or defeat %s, not even once or for a short job: it is what keeps people out of a machine's energy.",
		"아니요. %s 절차는 한 번이라도, 짧은 작업이라도 생략하거나 우회하면 안 됩니다. 설비의 에너지로부터 사람을 지키는 절차입니다."},
	"proc.shortcut.on": {"No. Do not skip or defeat %s on %s, not even once or for a short job: it is what keeps people out of the machine's energy.",
		"아니요. %[2]s의 %[1]s 절차는 한 번이라도, 짧은 작업이라도 생략하거나 우회하면 안 됩니다. 설비의 에너지로부터 사람을 지키는 절차입니다."},
	"proc.rule":           {"%s says: “%s”", "%s: “%s”"},
	"proc.shortcut.steps": {"The procedure to follow instead: %s %s.", "대신 따를 절차: %s %s."},
	"escalate.shortcut": {"If the procedure really cannot be followed (no lock, no isolation point, time pressure from production), stop and ask the shift manager: they decide, not the clock.",
		"절차를 따를 수 없는 상황(자물쇠·차단 지점 없음, 생산 압박)이면 작업을 멈추고 교대 책임자에게 판단을 요청하세요."},

	"warn.injection": {"ignored text in %s that looked like instructions to the assistant", "%s에서 어시스턴트에 대한 지시처럼 보이는 문장을 무시했습니다"},

	// Out of scope.
	"shifts.people": {"I have no shift roster or operator records: I read the machines' data, the maintenance history and the plant's documents, not who works when. The shift lead or the roster system knows.",
		"근무표나 작업자 기록은 제게 없습니다. 저는 설비 데이터, 정비 이력, 공장 문서를 읽을 뿐 누가 언제 근무하는지는 알 수 없습니다. 교대 책임자나 근무 관리 시스템에서 확인해 주세요."},
	"shifts.now": {"Shift now: %s (%s–%s); the next shift change is at %s, when the %s shift begins.",
		"현재 교대: %s (%s–%s). 다음 교대는 %s, %s 근무가 시작됩니다."},
	"shifts.pattern": {"The plant's shifts start at: %s (%s).", "교대 시작 시각: %s (%s)."},
	"shifts.instead.asset": {"What I can say instead is how %s ran in that shift: ask, for example, \"how did it run last night?\".",
		"대신 해당 교대 동안 %s의 가동 상태를 알려 드릴 수 있습니다. 예: \"어젯밤 어땠어?\""},
	"shifts.instead": {"What I can say instead is how the machines and lines ran in a shift: ask, for example, \"what happened last shift?\".",
		"대신 교대 동안 설비와 라인이 어땠는지 알려 드릴 수 있습니다. 예: \"지난 교대에 무슨 일 있었어?\""},
	"code.seen": {"%s in %s: \"%s\"", "%s (%s): \"%s\""},
	"code.none": {"None of the plant's documents (incidents, runbooks, work orders) mention %s, so I cannot say what it means. The machine's own alarm list (in its maintenance manual or on the controller's help screen) has it; once that manual is loaded into Gemba's documents I can answer from it.",
		"공장 문서(사례, 절차서, 작업 지시) 중 %s을(를) 언급한 것이 없어 의미를 말씀드릴 수 없습니다. 설비 정비 매뉴얼의 알람 목록이나 컨트롤러 도움말 화면에서 확인해 주세요. 그 매뉴얼을 Gemba 문서에 올리면 다음부터 답할 수 있습니다."},
	"trend.line": {"%s %s, %s: from %s to %s (%s); lowest %s at %s, highest %s at %s; mean %s.",
		"%s %s, %s: %s에서 %s로 (%s). 최저 %s (%s), 최고 %s (%s), 평균 %s."},
	"trend.hourly": {"(Read as hourly means.)", "(시간 평균 기준)"},
	"trend.up":     {"up %s", "%s 상승"},
	"trend.down":   {"down %s", "%s 하락"},
	"trend.flat":   {"unchanged", "변화 없음"},
	"trend.none":   {"%s %s: no reading in %s.", "%s %s: %s 동안 측정값이 없습니다."},
	"risk.alarm":   {"In alarm: above the model's alert threshold.", "경보 상태: 모델의 경보 기준 초과."},
	"risk.none":    {"The failure-risk model gives no figure for %s (no records of it in the history it scores).", "고장 위험 모델에 %s의 값이 없습니다 (점수를 매기는 이력에 기록이 없음)."},
	"risk.notool":  {"No failure-risk model is available here.", "여기서는 고장 위험 모델을 쓸 수 없습니다."},
	"risk.untrained_asset": {"No failure-risk model is trained for this plant yet (gemba model train risk needs enough recorded failures), so I cannot give a probability of failure; what its data shows is below.",
		"이 플랜트에는 아직 고장 위험 모델이 학습되지 않아 (gemba model train risk, 고장 기록이 충분해야 함) 고장 확률을 드릴 수 없습니다. 데이터로 본 상태는 아래와 같습니다."},
	"catalog.type": {"The %s machines (%d): %s.", "%s 설비 (%d대): %s."},
	"oos.general": {"That is outside what I can help with. I answer questions about the plant: the state of machines and lines, why something is off and what to do (with the runbooks' steps), forecasts against plan, past incidents and procedures.",
		"제가 도와드릴 수 있는 범위 밖의 질문입니다. 설비·라인 상태와 이상 원인 및 조치(절차서 단계 포함), 계획 대비 생산 예측, 과거 사례와 절차에 대해 답할 수 있습니다."},
	"oos.write": {"I am read-only: I cannot change setpoints, stop or start machines, or order parts. I can check the machine's data, find the runbook for the job, and say who to call.",
		"저는 읽기 전용이라 설정값 변경, 설비 정지·가동, 부품 주문은 할 수 없습니다. 설비 데이터를 확인하고, 해당 작업 절차서를 찾고, 누구에게 연락할지 알려 드릴 수 있습니다."},
	"social.hello": {"Hello. I can check machines and lines for anomalies and explain them, say what to do next with the runbooks' steps, forecast output against plan, and find past incidents and procedures. For example: \"is press-3 ok?\"",
		"안녕하세요. 설비·라인 이상 확인과 원인 설명, 절차서에 따른 다음 조치, 계획 대비 생산 예측, 과거 사례와 절차 찾기를 도와드립니다. 예: \"3호기 프레스 괜찮아?\""},
	"social.thanks": {"You're welcome. Ask again any time, here or in a thread.", "천만에요. 언제든 다시 물어보세요."},
	"oos.help": {"I can: check machines and lines for anomalies and explain them; say what to do next with the runbooks' steps; forecast output against plan; find past incidents and procedures; summarise a shift for handover.",
		"할 수 있는 일: 설비와 라인의 이상 감지와 원인 설명, 절차서 기반 조치 안내, 계획 대비 생산 예측, 과거 사례와 절차 검색, 교대 인수인계 요약."},
}

// message formats a catalogue message in a language ("ko" or else English).
func message(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	t := m[0]
	if lang == "ko" {
		t = m[1]
	}
	if len(args) == 0 {
		return t
	}
	return fmt.Sprintf(t, args...)
}
