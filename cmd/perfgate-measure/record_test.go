package main

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// recordsOf makes records of runs keeping everything.
func recordsOf(runs []adapters.RunResult) []runRecord {
	recs := make([]runRecord, len(runs))
	for i := range runs {
		recs[i] = newRecord(&runs[i], keepPolicy{details: true, output: true}, false)
	}
	return recs
}

// fullResult has every field of RunResult set, each pointer figure to a
// value of its own, by reflection, so that a field added to RunResult
// later is set too and the round trip below notices when records drop it.
func fullResult(t *testing.T) adapters.RunResult {
	t.Helper()
	var r adapters.RunResult
	v := reflect.ValueOf(&r).Elem()
	next := uint64(100)
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		if !v.Type().Field(i).IsExported() {
			continue // the error Run returned with a result: not a figure
		}
		next++
		switch {
		case f.Type() == reflect.TypeFor[*uint64]():
			n := next
			f.Set(reflect.ValueOf(&n))
		case f.Type() == reflect.TypeFor[*int]():
			n := int(next)
			f.Set(reflect.ValueOf(&n))
		case f.Type() == reflect.TypeFor[time.Duration]():
			f.SetInt(int64(next) * 1e6)
		case f.Kind() == reflect.Uint64, f.Kind() == reflect.Int:
			f.Set(reflect.ValueOf(next).Convert(f.Type()))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Type() == reflect.TypeFor[[]byte]():
			f.SetBytes([]byte(name))
		case f.Type() == reflect.TypeFor[map[string]string]():
			f.Set(reflect.ValueOf(map[string]string{"max_rss_kb": name}))
		case f.Type() == reflect.TypeFor[map[string]adapters.FigureSource]():
			f.Set(reflect.ValueOf(map[string]adapters.FigureSource{"cpu_ms": {Scope: adapters.ScopeTree}}))
		default:
			t.Fatalf("RunResult.%s (%v): teach fullResult and runRecord about it", name, f.Type())
		}
	}
	return r
}

// A record gives back every figure of the run it was made from; the
// output, notes and sources only when its policy keeps them.
func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	full := fullResult(t)
	got := newRecord(&full, keepPolicy{details: true, output: true}, false)
	assert.Equal(t, full, got.result(), "everything kept")

	figures := full
	figures.Stdout, figures.Stderr, figures.Notes, figures.Sources = nil, nil, nil, nil
	got = newRecord(&full, keepPolicy{}, false)
	assert.Equal(t, figures, got.result(), "the figures only")
	assert.Nil(t, got.extra)

	var none adapters.RunResult
	got = newRecord(&none, keepPolicy{details: true, output: true}, false)
	assert.Equal(t, none, got.result(), "nil figures stay nil, not 0")
}

// What a benchmark keeps of a run holds no output unless -export-output
// asks for it: no slice, map or pointer in the record but its extra, and
// no extra at all by default, whatever the run captured.
func TestRecordHoldsNoOutput(t *testing.T) {
	t.Parallel()
	r := adapters.RunResult{Stdout: make([]byte, 8192), Stderr: []byte("err"), MaxRSSAtMostKB: new(uint64),
		Notes: map[string]string{"max_rss_kb": "withheld: ..."}}
	for _, policy := range []keepPolicy{{}, {details: true}} {
		rec := newRecord(&r, policy, true)
		if rec.extra != nil {
			assert.Nil(t, rec.extra.stdout, "%+v", policy)
			assert.Nil(t, rec.extra.stderr, "%+v", policy)
		}
		back := rec.result()
		assert.Nil(t, back.Stdout)
		assert.Nil(t, back.Stderr)
	}
	assert.Nil(t, newRecord(&r, keepPolicy{}, true).extra, "by default, the figures alone")

	typ := reflect.TypeFor[runRecord]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.String, reflect.Interface:
			t.Errorf("runRecord.%s is a %v: records keep figures", f.Name, f.Type)
		case reflect.Pointer:
			require.Equal(t, "extra", f.Name, "the one pointer is extra")
		}
	}
	assert.LessOrEqual(t, unsafe.Sizeof(runRecord{}), uintptr(192), "a record stays small")
}
