// Command go-http is capdiet's smallest example service: an HTTP server
// that needs no capability at all on an unprivileged port, so any
// capability a diet finds for it is noise to be explained.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	parent := flag.Int("parent", 0, "exit when the process with this `pid` (our parent) is gone; 0: never")
	flag.Parse()
	if flag.NArg() != 0 {
		fail(2, "unexpected argument %q; see -help", flag.Arg(0))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fail(1, "cannot listen on %s: %v (is another server on that port?)", *addr, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *parent != 0 {
		ctx = exitWithParent(ctx, *parent)
	}
	fmt.Fprintf(os.Stderr, "go-http: listening on %s\n", ln.Addr())
	if err := serve(ctx, ln); err != nil {
		fail(1, "%v", err)
	}
}

func routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello from go-http\n")
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	return mux
}

// serve runs until ctx ends, then lets in-flight requests finish briefly so
// a SIGTERM from capdiet ends a trial cleanly with status 0.
func serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: routes(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// exitWithParent ends ctx once our parent is gone (we are reparented), so a
// backend started by a proxy's start script does not outlive the proxy when
// only the proxy is signalled.
func exitWithParent(ctx context.Context, pid int) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for os.Getppid() == pid {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		fmt.Fprintf(os.Stderr, "go-http: parent %d is gone, exiting\n", pid)
	}()
	return ctx
}

func fail(status int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-http: "+format+"\n", args...)
	os.Exit(status)
}
