module motcua

go 1.26.8

require (
	github.com/google/uuid v1.6.0
	golang.org/x/text v0.44.0
)

require (
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
)
