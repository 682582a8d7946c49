package prom

import (
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestDecodeRange(t *testing.T) {
	t.Parallel()
	a, err := decodeRange([]byte(` {"status":"success","data":{"resultType":"matrix","result":[
	  {"metric":{"__name__":"m","a\"b":"x\\y\u00e9\/"},"values":[[1796539800.999,"0.5"],[1796539801,"-1e3"] , [1796539802.5,"NaN"]]}
	]},"warnings":["w", {"x": [true, false, null, 1.5e-3]}]}`))
	require.NoError(t, err)
	require.Equal(t, "success", a.status)
	require.Equal(t, "matrix", a.resultType)
	require.Len(t, a.series, 1)
	require.Equal(t, map[string]string{"__name__": "m", `a"b`: `x\yé/`}, a.series[0].metric)
	require.Equal(t, []int64{1796539800999, 1796539801000, 1796539802500}, a.series[0].times)
	require.Equal(t, 0.5, a.series[0].values[0])
	require.Equal(t, -1000.0, a.series[0].values[1])
	require.True(t, math.IsNaN(a.series[0].values[2]))

	a, err = decodeRange([]byte(`{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \"}\"","data":null}`))
	require.NoError(t, err)
	require.Equal(t, "error", a.status)
	require.Equal(t, "bad_data", a.errorType)
	require.Equal(t, `1:5: parse error: unexpected "}"`, a.errMsg)

	for _, bad := range []string{``, `{`, `{"status":"success"`, `{"status":1}`, `{"data":{"result":[{"values":[[1,2]]}]}}`,
		`{"data":{"result":[{"values":[["x","1"]]}]}}`, `{"status":"ok"} trailing`, "{\"status\":\"a\x01\"}", `{"data":{"result":[{"values":[[1,"x"]]}]}}`} {
		_, err := decodeRange([]byte(bad))
		require.ErrorIs(t, err, errJSON, bad)
	}
}

// FuzzDecodeRange checks that the decoder never panics, and that what it
// accepts, encoding/json reads the same way.
func FuzzDecodeRange(f *testing.F) {
	f.Add([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1.5,"2"]]}]}}`))
	f.Add([]byte(`{"status":"error","errorType":"x","error":"y\n"}`))
	f.Add([]byte(`{"data":{"result":[]},"status":"success"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeRange(b)
		if err != nil {
			return
		}
		// encoding/json matches keys regardless of case; the API's keys are
		// exact, so the reference reads maps.
		var ref map[string]any
		if !utf8.Valid(b) || !json.Valid(b) || json.Unmarshal(b, &ref) != nil {
			return // encoding/json replaces bad UTF-8; the decoder passes bytes through
		}
		str := func(v any) string { s, _ := v.(string); return s }
		require.Equal(t, str(ref["status"]), a.status)
		require.Equal(t, str(ref["error"]), a.errMsg)
		data, _ := ref["data"].(map[string]any)
		results, _ := data["result"].([]any)
		require.Len(t, a.series, len(results))
		for i, r := range results {
			values, _ := r.(map[string]any)["values"].([]any)
			require.Len(t, a.series[i].values, len(values))
		}
	})
}
