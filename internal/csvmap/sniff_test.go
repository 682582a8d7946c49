package csvmap

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSniffFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		head  string
		comma rune
		dec   bool
	}{
		{"time,value\n2025-01-01,1.5\n", ',', false},
		{"Zeit;Wert\n01.01.2025;1,5\n01.01.2025;2\n", ';', true},
		{"Zeit;Wert\n2025-01-01;1.5\n", ';', false},
		{"time\tvalue\n2025-01-01\t3,25\n", '\t', true},
		{"a|b|c\n1|2|3\n", '|', false},
		{"\"name; with semicolons\",time,value\nx,2025-01-01,1\n", ',', false},
		{"value\n1\n2\n", ',', false},
		{"Zeit;Wert\n01.01.2025;1,5\n01.01.2025;2,7\n01.01.2025;\"3,", ';', true}, // a cut last line
	}
	for _, c := range cases {
		comma, dec := SniffFormat([]byte(c.head))
		require.Equal(t, string(c.comma), string(comma), c.head)
		require.Equal(t, c.dec, dec, c.head)
	}
}
