// Package protocol is the side of taala's process-adapter protocol v1 (docs/process-adapters.md)
// that every Go process adapter has in common: read a request line (at most 65536 bytes),
// decode it, check the hello and its version, dispatch hello/acquire/release/close to the
// adapter's lock code, and write one reply line. It exists so that the Go adapters
// (adapters/etcd_go, adapters/seed_seat_go) each hold only their lock, not a copy of this
// loop: an adapter implements Adapter and its main calls Serve.
//
// build.sh beside it builds an adapter with it, offline, in GOPATH mode (import path
// "taala/protocol").
package protocol

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxLine is the longest request line, in bytes (without its "\n").
const MaxLine = 65536

// Hello is what the hello request says of the servers and of this client.
type Hello struct {
	Addresses []string `json:"addresses"` // the servers' host:port
	TTL       float64  `json:"ttl"`       // the lease, in seconds
	Client    int      `json:"client"`    // this client's number
}

// Adapter is one client's lock, driven by Serve.
type Adapter interface {
	// Hello gets ready to lock (connected, or connecting lazily); an error is the hello's
	// error reply (the client cannot start).
	Hello(h Hello) error
	// Acquire answers (token, nil) when this client now holds key, ("", nil) when refused
	// (taken, or a blocking wait gave up), or an error when the outcome is unknown.
	Acquire(key string) (string, error)
	// Release releases key with the token Acquire returned, as the request carries it (raw
	// JSON): (true, nil) released, (false, nil) refused ("not yours"), an error unknown.
	Release(key string, token json.RawMessage) (bool, error)
	// Close lets go of everything: on close, at the end of stdin, on an error reading it.
	Close()
}

type request struct {
	Taala *int            `json:"taala"`
	ID    json.RawMessage `json:"id"`
	Op    string          `json:"op"`
	Hello
	Key   string          `json:"key"`
	Token json.RawMessage `json:"token"`
}

// OneLine is err's message on one line, as an error reply wants it.
func OneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Serve answers the requests on stdin on stdout until close or the end of stdin, then
// returns. A line over MaxLine, one that is not a request, or an error reading stdin is said
// on stderr (prefixed with name, the command's name) and exits with status 2.
func Serve(name string, a Adapter) {
	in := bufio.NewReaderSize(os.Stdin, MaxLine+1)
	out := bufio.NewWriter(os.Stdout)
	reply := func(v map[string]interface{}) {
		line, _ := json.Marshal(v)
		out.Write(line)
		out.WriteByte('\n')
		out.Flush()
	}
	first := true
	for {
		line, err := in.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			fmt.Fprintf(os.Stderr, "%s: request over %d bytes\n", name, MaxLine)
			os.Exit(2)
		}
		if err == io.EOF && len(line) == 0 {
			a.Close()
			return
		}
		if err != nil && err != io.EOF {
			fmt.Fprintf(os.Stderr, "%s: stdin: %v\n", name, err)
			a.Close()
			os.Exit(2)
		}
		var r request
		if jerr := json.Unmarshal(line, &r); jerr != nil {
			fmt.Fprintf(os.Stderr, "%s: bad request: %v\n", name, jerr)
			os.Exit(2)
		}
		if first {
			first = false
			switch {
			case r.Op != "hello":
				reply(map[string]interface{}{"taala": 1, "error": "expected hello, got " + r.Op})
			case r.Taala == nil || *r.Taala != 1:
				reply(map[string]interface{}{"taala": 1, "error": "speaks protocol 1"})
			default:
				if herr := a.Hello(r.Hello); herr != nil {
					reply(map[string]interface{}{"taala": 1, "error": OneLine(herr)})
				} else {
					reply(map[string]interface{}{"taala": 1, "ok": true})
				}
			}
			continue
		}
		id := r.ID
		switch r.Op {
		case "acquire":
			token, aerr := a.Acquire(r.Key)
			switch {
			case aerr != nil:
				reply(map[string]interface{}{"id": id, "error": OneLine(aerr)})
			case token == "":
				reply(map[string]interface{}{"id": id, "ok": false})
			default:
				reply(map[string]interface{}{"id": id, "ok": true, "token": token})
			}
		case "release":
			ok, rerr := a.Release(r.Key, r.Token)
			if rerr != nil {
				reply(map[string]interface{}{"id": id, "error": OneLine(rerr)})
			} else {
				reply(map[string]interface{}{"id": id, "ok": ok})
			}
		case "close":
			a.Close()
			reply(map[string]interface{}{"id": id, "ok": true})
			return
		default:
			reply(map[string]interface{}{"id": id, "error": "unknown op " + r.Op})
		}
		if err == io.EOF {
			a.Close()
			return
		}
	}
}
