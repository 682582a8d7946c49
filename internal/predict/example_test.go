package predict_test

import (
	"fmt"
	"math"

	"github.com/gemba-ai/gemba/internal/predict"
)

// A daily pattern with one spike: Detect finds the period and the spike.
func ExampleDetect() {
	x := make([]float64, 24*30)
	for i := range x {
		x[i] = 50 + 10*math.Sin(2*math.Pi*float64(i)/24) + 0.5*math.Sin(float64(i)*1.3)
	}
	x[500] += 12
	det, err := predict.Detect(predict.Series{Values: x}, predict.DetectOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("period:", det.Period)
	for _, e := range det.Events {
		fmt.Printf("%s at %d, score %.2f\n", e.Kind, e.PeakIdx, e.Score)
	}
	// Output:
	// period: 24
	// spike at 500, score 1.00
}

// Two correlated sensors and one that jumps: the contributions say which.
func ExampleDetectMulti() {
	n := 24 * 20
	m := predict.Multi{Names: []string{"current", "vibration"}, Values: [][]float64{make([]float64, n), make([]float64, n)}}
	for i := range n {
		load := math.Sin(2 * math.Pi * float64(i) / 24)
		m.Values[0][i] = 20 + 3*load + 0.3*math.Sin(float64(i)*1.7)
		m.Values[1][i] = 5 + load + 0.1*math.Cos(float64(i)*2.3)
	}
	m.Values[1][300] += 3
	det, err := predict.DetectMulti(m, predict.DetectOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range det.Events {
		fmt.Printf("%s at %d: %s drove %.0f%%\n", e.Kind, e.PeakIdx, e.Contributions[0].Sensor, 100*e.Contributions[0].Share)
	}
	// Output:
	// spike at 300: vibration drove 100%
}

// A forecast reports the model chosen by backtest, its error and intervals.
func ExampleForecastSeries() {
	x := make([]float64, 24*20)
	for i := range x {
		x[i] = 100 + 0.1*float64(i) + 10*math.Sin(2*math.Pi*float64(i)/24) + math.Sin(float64(i)*1.9)
	}
	fc, err := predict.ForecastSeries(predict.Series{Values: x}, predict.ForecastOptions{Horizon: 24})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("season:", fc.Season)
	fmt.Println("beats seasonal naive:", fc.MASE < 1)
	fmt.Println("interval ordered:", fc.Lo95[0] < fc.Lo80[0] && fc.Lo80[0] < fc.Mean[0] && fc.Mean[0] < fc.Hi80[0] && fc.Hi80[0] < fc.Hi95[0])
	// Output:
	// season: 24
	// beats seasonal naive: true
	// interval ordered: true
}
