# The benchmark's own programs, in $(BUILD)/bench.  Called by bench/run.sh
# (make -f bench/bench.mk BUILD=...); same tools and flags as the main
# Makefile, whose vmlinux.h it reuses.
BUILD     ?= build
B         := $(BUILD)/bench
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PKG_CONFIG ?= pkg-config
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE
BPF_LIBS  := $(shell $(PKG_CONFIG) --cflags --libs libbpf libelf zlib)

.PHONY: all
.DELETE_ON_ERROR:
.SECONDARY:

all: $(B)/checkloop $(B)/ringbuf-trace

$(B):
	@mkdir -p $@

$(BUILD)/vmlinux.h:
	$(MAKE) BUILD=$(BUILD) $@

$(B)/ringbuf.bpf.o: bench/ringbuf.bpf.c bench/ringbuf_event.h $(BUILD)/vmlinux.h | $(B)
	$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
		-I$(BUILD) -Ibench -c $< -o $@

$(B)/ringbuf.skel.h: $(B)/ringbuf.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(B)/ringbuf-trace: bench/ringbuf_trace.c $(B)/ringbuf.skel.h
	$(CC) $(CFLAGS) -I$(B) -Ibench $< $(BPF_LIBS) -o $@

$(B)/checkloop: bench/checkloop.c | $(B)
	$(CC) $(CFLAGS) $< -o $@
