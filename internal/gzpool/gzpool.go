// Package gzpool keeps gzip writers and readers for reuse: each one holds
// hundreds of kilobytes of tables, and a backend answering many counters
// would otherwise make and collect them for every request.
package gzpool

import (
	"compress/gzip"
	"io"
	"sync"
)

var writers = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // JSON shrinks well even so; the processor matters more
	return zw
}}

// Writer is a gzip writer onto w, at the best speed. Close it, then give
// it back with PutWriter.
func Writer(w io.Writer) *gzip.Writer {
	zw := writers.Get().(*gzip.Writer)
	zw.Reset(w)
	return zw
}

// PutWriter gives a closed writer back.
func PutWriter(zw *gzip.Writer) {
	zw.Reset(io.Discard) // lets go of the last destination
	writers.Put(zw)
}

var readers sync.Pool

// Reader is a gzip reader of r (an error when r does not start as gzip).
// Give it back with PutReader when done.
func Reader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := readers.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			readers.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// PutReader gives a reader back.
func PutReader(zr *gzip.Reader) {
	zr.Close()
	readers.Put(zr)
}
