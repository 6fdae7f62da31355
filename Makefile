# capdiet — see README.md.  `make V=1` shows every command.
# Sanitized objects must not mix with plain ones: SANITIZE=1 builds apart.
ifeq ($(SANITIZE),1)
BUILD     ?= build/asan
endif
BUILD     ?= build
PREFIX    ?= /usr/local
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PKG_CONFIG ?= pkg-config
VMLINUX_H ?= $(BUILD)/vmlinux.h
VERSION   := 0.1.0

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBS      := libbpf libelf zlib libcap yaml-0.1 libseccomp libarchive libmicrohttpd
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS) 2>/dev/null)
PKG_LIBS  := $(shell $(PKG_CONFIG) --libs $(LIBS) 2>/dev/null)

ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -DCAPDIET_VERSION='"$(VERSION)"'
CPPFLAGS  += -Iinclude -I$(BUILD) $(PKG_CFLAGS) -MMD -MP
LDLIBS    += $(PKG_LIBS)

ifeq ($(SANITIZE),1)
# No recovery: a UBSan report must fail the test that triggered it.
CFLAGS    += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all
endif

# Stages of the data flow, lowest first: a folder may use only its own and
# the folders before it (docs/ARCHITECTURE.md; `make check-layers`).  Each
# builds as a static library; linking them in this order, highest first,
# makes an upward call fail to link as well.
LAYERS    := core observe profile learn policy cli
# learn and policy share a rank: neither uses the other.
LAYER_RANKS := core observe profile learn+policy cli
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
SRCS      := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
OBJS      := $(patsubst src/%.c,$(BUILD)/src/%.o,$(SRCS))
MAIN_OBJ  := $(BUILD)/src/cli/main.o
layer_objs = $(filter-out $(MAIN_OBJ),$(filter $(BUILD)/src/$(1)/%,$(OBJS)))
LIBS_OUT  := $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a)
# Highest first, for the linker.
LINK_LIBS := $(foreach l,cli policy learn profile observe core,$(BUILD)/lib/lib$(l).a)
# Only the objects that include a BPF skeleton wait for it.
SKEL_USERS := $(patsubst src/%.c,$(BUILD)/src/%.o,$(shell grep -l '\.skel\.h"' $(SRCS) /dev/null))
TEST_SRCS := $(wildcard $(foreach l,$(LAYERS),tests/$(l)/test_*.c))
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
HELPERS   := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(wildcard tests/helpers/*.c))
# The corpus's independent oracle: no BPF, no capdiet code, only libcap.
ORACLE    := $(BUILD)/tests/oracle/oracle

.PHONY: all clean test unit-test integration-test install bench setup demo demo-container profiles check-layers corpus
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/capdiet

$(BUILD) $(BUILD)/lib $(BUILD)/tests/helpers:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)if [ ! -r /sys/kernel/btf/vmlinux ]; then \
		echo "make: /sys/kernel/btf/vmlinux is missing: this kernel has no BTF; pass VMLINUX_H=path/to/vmlinux.h" >&2; exit 1; fi
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
		-Iinclude -I$(dir $(VMLINUX_H)) -I$(BUILD) -MMD -MP -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(SKEL_USERS): $(SKELS)

$(BUILD)/src/%.o: src/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(foreach l,$(LAYERS),$(eval $(BUILD)/lib/lib$(l).a: $(call layer_objs,$(l)) | $(BUILD)/lib))

$(BUILD)/lib/%.a:
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/capdiet: $(MAIN_OBJ) $(LIBS_OUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $(MAIN_OBJ) $(LINK_LIBS) $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(LIBS_OUT)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LINK_LIBS) $(LDLIBS) \
		$(shell $(PKG_CONFIG) --cflags --libs cmocka) -o $@

$(BUILD)/tests/helpers/%: tests/helpers/%.c | $(BUILD)/tests/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(ORACLE): tests/oracle/oracle.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE $< \
		$(shell $(PKG_CONFIG) --libs libcap) -o $@

test: $(BUILD)/capdiet $(TEST_BINS) $(HELPERS) $(ORACLE)
	$(Q)BUILD=$(BUILD) tests/run.sh $(TESTS)

unit-test: $(TEST_BINS)
	$(Q)BUILD=$(BUILD) tests/run.sh --unit

integration-test: $(BUILD)/capdiet $(HELPERS) $(ORACLE)
	$(Q)BUILD=$(BUILD) tests/run.sh --integration

# Every corpus entry (CORPUS="nginx sshd" for some): capdiet against the
# oracle, written to docs/corpus.md.  Slow: the oracle is brute force.
corpus: $(BUILD)/capdiet $(ORACLE)
	$(Q)BUILD=$(BUILD) tests/corpus/run.sh --capdiet $(BUILD)/capdiet --oracle $(ORACLE) \
		--report docs/corpus.md $(CORPUS)

bench: $(BUILD)/capdiet
	$(Q)BUILD=$(BUILD) bench/run.sh

setup:
	$(Q)scripts/setup.sh

demo: $(BUILD)/capdiet
	$(Q)BUILD=$(BUILD) scripts/demo.sh

profiles: $(BUILD)/capdiet
	$(Q)BUILD=$(BUILD) scripts/profiles.sh

demo-container: $(BUILD)/capdiet
	$(Q)BUILD=$(BUILD) scripts/demo-container.sh

install: $(BUILD)/capdiet
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/capdiet $(DESTDIR)$(PREFIX)/bin/capdiet

check-layers:
	$(Q)scripts/check-layers.sh $(LAYER_RANKS)

clean:
	rm -rf $(BUILD)

# ---- Hostile input: libFuzzer targets (tests/fuzz) built with clang, ASan
# and UBSan from the parsers' sources only (no BPF, no recorder), each run
# for FUZZ_SECONDS by `make fuzz`; `make check-hardening` adds the sanitized
# unit suite and valgrind, for CI. ----
FUZZ_SECONDS  ?= 20
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_LIBS     := libcap yaml-0.1 libarchive
FUZZ_CFLAGS   := -g -O1 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		 -DCAPDIET_VERSION='"$(VERSION)"' -Iinclude \
		 $(shell $(PKG_CONFIG) --cflags $(FUZZ_LIBS) 2>/dev/null) \
		 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIB_SRCS := core/caps core/file core/outfile core/strlist core/ydoc core/emit core/text observe/ksyms \
		 core/log core/user core/unit_file core/unit_file_words core/unit_file_env core/oci_config \
		 profile/profile profile/profile_yaml \
		 policy/check policy/check_allowlist policy/check_files policy/check_report \
		 policy/image policy/image_src policy/image_layer
# The gate's verdict and its exceptions (allowlist dates, annotations, baseline, --exclude).
FUZZ_LIB_SRCS += policy/check_evaluate policy/check_inline policy/check_baseline policy/check_exclude
# The report's formats (text, JSON, SARIF, JUnit, GitHub workflow commands).
FUZZ_LIB_SRCS += policy/check_words policy/check_sarif policy/check_junit policy/check_github
# Compose's merge (extends, -f), and the walk's charts and overlays with what renders them.
FUZZ_LIB_SRCS += policy/check_compose policy/check_render core/spawn core/spawn_capture core/proc core/clock
# ydoc's column and Unicode helpers (ydoc_unicode.c), which ydoc.c calls.
FUZZ_LIB_SRCS += core/ydoc_unicode
# What check.c asks of one document: its tags, a custom resource's containers.
FUZZ_LIB_SRCS += policy/check_tags policy/check_custom policy/k8s_kinds
FUZZ_LIB      := $(FUZZ_DIR)/libparsers.a
FUZZ_BINS     := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz check-hardening

$(FUZZ_DIR)/obj:
	$(Q)mkdir -p $@

$(FUZZ_DIR)/obj/%.o: src/%.c | $(FUZZ_DIR)/obj
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(patsubst %,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) \
		$(shell $(PKG_CONFIG) --libs $(FUZZ_LIBS) 2>/dev/null) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

check-hardening:
	+$(Q)BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) MAKE="$(MAKE)" tests/hardening.sh

-include $(wildcard $(FUZZ_DIR)/obj/*/*.d)

-include $(wildcard $(BUILD)/src/*/*.d $(BUILD)/*.d $(BUILD)/tests/*/*.d)
