package adapters

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reading an optional figure is one expression, with no nil check of the
// caller's own.
func TestValueReadsOptionalFigures(t *testing.T) {
	sig := 9
	r := RunResult{MaxRSSKB: uint64Ptr(2048), Signal: &sig}
	rss, ok := Value(r.MaxRSSKB)
	assert.True(t, ok)
	assert.Equal(t, uint64(2048), rss)
	cpu, ok := Value(r.CPUMs)
	assert.False(t, ok)
	assert.Zero(t, cpu)
	assert.Equal(t, 9, ValueOr(r.Signal, 0))
	assert.Equal(t, uint64(7), ValueOr(r.CPUMs, 7))
}

// Every *uint64 field of RunResult has a Figure named by its JSON key, and
// Get reads it.
func TestFigureCoversEveryOptionalUint64(t *testing.T) {
	var r RunResult
	v := reflect.ValueOf(&r).Elem()
	var fields []Figure
	for i := range v.NumField() {
		field := v.Type().Field(i)
		if field.Type != reflect.TypeFor[*uint64]() {
			continue
		}
		n := uint64(1000 + i)
		v.Field(i).Set(reflect.ValueOf(&n))
		fields = append(fields, Figure(jsonKey(field)))
	}
	assert.Equal(t, fields, Figures(), "Figures lists every field, in order")
	raw, err := json.Marshal(r)
	require.NoError(t, err)
	var asMap map[string]any
	require.NoError(t, json.Unmarshal(raw, &asMap))
	for _, f := range Figures() {
		got, ok := r.Get(f)
		require.True(t, ok, "%s", f)
		assert.EqualValues(t, asMap[string(f)], got, "%s", f)
	}
	_, ok := r.Get("wall_ms")
	assert.False(t, ok, "not an optional figure")
	_, ok = RunResult{}.Get(FigureCPUMs)
	assert.False(t, ok)
}

func jsonKey(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := range len(tag) {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}
