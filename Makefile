# t3 — a Unix command-line clone of T3 Chat.  See README.md.
.SUFFIXES:

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SHAREDIR  ?= $(PREFIX)/share
MANDIR    ?= $(SHAREDIR)/man
BASHCOMPDIR ?= $(SHAREDIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(SHAREDIR)/zsh/site-functions
FISHCOMPDIR ?= $(SHAREDIR)/fish/vendor_completions.d
DESTDIR   ?=

PKG_CONFIG ?= pkg-config
CC        ?= cc
CFLAGS    ?= -O2 -g
PROVE     ?= prove
PYTHON    ?= python3

WARNINGS = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wno-unused-parameter \
	-Wno-missing-field-initializers
HARDEN   = -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2
HARDEN_LD = -pie -Wl,-z,relro,-z,now -Wl,--as-needed

ifdef DEVELOPER
WARNINGS += -Werror
endif

# `make SANITIZE=address,undefined check` builds into build/san/ and runs
# the same suite against those binaries.
ifdef SANITIZE
O        = build/san
BIN      = $(O)/bin
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN   = -fPIE
else
O        = build
BIN      = bin
SANFLAGS =
endif

PKGS_BASE = sqlite3 jansson libsodium
PKGS_NET  = libcurl
CFLAGS_DEPS = $(shell $(PKG_CONFIG) --cflags $(PKGS_BASE) $(PKGS_NET) 2>/dev/null)
LIBS_BASE   = $(shell $(PKG_CONFIG) --libs $(PKGS_BASE) 2>/dev/null)
LIBS_NET    = $(shell $(PKG_CONFIG) --libs $(PKGS_NET) 2>/dev/null)

ALL_CFLAGS  = -std=gnu11 $(WARNINGS) $(HARDEN) $(SANFLAGS) -Ilib -I$(O) \
	$(CFLAGS_DEPS) -DT3_VERSION='"$(VERSION)"' $(CFLAGS) $(CPPFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(SANFLAGS) $(LDFLAGS)

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(O)/lib/%.o) $(O)/lib/schema.o
TOOLS    = $(patsubst cmd/%.c,%,$(filter cmd/t3-%.c,$(wildcard cmd/*.c)))
BINS     = $(TOOLS:%=$(BIN)/%)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/unit/%)

DEBIAN_PKGS = build-essential pkg-config libsqlite3-dev libcurl4-openssl-dev \
	libjansson-dev libreadline-dev libsodium-dev sqlite3 python3 curl tzdata perl hyperfine \
	mandoc zsh fish jq openssl

all: $(BINS)

$(O)/lib $(O)/cmd $(O)/unit $(BIN):
	mkdir -p $@

$(O)/schema.c: lib/embed.sh share/models.tsv $(wildcard share/sql/*.sql) | $(O)/lib
	sh lib/embed.sh $@

$(O)/lib/schema.o: $(O)/schema.c lib/schema.h | $(O)/lib
	$(CC) $(ALL_CFLAGS) -c -o $@ $(O)/schema.c

$(O)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(O)/lib
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/cmd/%.o: cmd/%.c $(wildcard lib/*.h cmd/*.h) | $(O)/cmd
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libt3.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# Each tool links only what it uses: no libcurl outside t3-chat.
# (The pkg-config variables are recursive so that `make deps all` in one
# run sees the packages deps has just installed.)
$(BIN)/t3-user $(BIN)/t3-models $(BIN)/t3-usage: $(BIN)/%: $(O)/cmd/%.o $(O)/cmd/common.o $(O)/libt3.a | $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(O)/cmd/common.o $(O)/libt3.a $(LIBS_BASE)

CHAT_OBJ = $(O)/cmd/chat-opts.o $(O)/cmd/chat-history.o $(O)/cmd/chat-sink.o $(O)/cmd/chat-roles.o \
	$(O)/cmd/chat-server.o $(O)/cmd/chat-repl.o $(O)/cmd/common.o
$(BIN)/t3-chat: $(O)/cmd/t3-chat.o $(CHAT_OBJ) $(O)/libt3.a | $(BIN)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $< $(CHAT_OBJ) $(O)/libt3.a $(LIBS_NET) $(LIBS_BASE) $(LIBS_RL)

# readline, for the interactive session only (its pkg-config file, else
# -lreadline: older distributions ship none)
LIBS_RL = $(shell $(PKG_CONFIG) --libs readline 2>/dev/null || echo -lreadline)

$(O)/unit/%: tests/unit/%.c tests/unit/tap.h $(O)/libt3.a | $(O)/unit
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pthread -o $@ $< $(O)/libt3.a $(LIBS_NET) $(LIBS_BASE) -lm

check: $(BINS) $(UNIT_BIN)
	T3_BINDIR=$(CURDIR)/$(BIN) T3_FIXTURES=$(CURDIR)/tests/fixtures PYTHON=$(PYTHON) \
	$(PROVE) -j2 $(PROVEFLAGS) $(sort $(wildcard ./tests/*.t)) $(UNIT_BIN:%=./%) </dev/null

$(O)/sse-throughput: bench/sse-throughput.c $(O)/libt3.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libt3.a $(LIBS_BASE)

$(O)/peakrss: bench/peakrss.c
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

bench: all $(O)/sse-throughput $(O)/peakrss
	bash bench/run.sh $(BIN) $(O)

# Install the build and test dependencies (Debian/Ubuntu); elsewhere print
# what to install.
deps:
	@if command -v apt-get >/dev/null 2>&1; then \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(DEBIAN_PKGS); \
	else \
		echo "install these (Debian names): $(DEBIAN_PKGS)"; \
	fi

# The programs need no data file: the schema and the model catalog are
# compiled in. install -m sets every mode; uninstall removes exactly the
# files install wrote (the directories are shared with other packages).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	for t in $(TOOLS); do \
		install -m 755 $(BIN)/$$t $(DESTDIR)$(BINDIR)/$$t && \
		install -m 644 man/$$t.1 $(DESTDIR)$(MANDIR)/man1/$$t.1 && \
		install -m 644 completions/$$t.bash $(DESTDIR)$(BASHCOMPDIR)/$$t && \
		install -m 644 completions/$$t.fish $(DESTDIR)$(FISHCOMPDIR)/$$t.fish && \
		install -m 644 completions/_$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t || exit 1; \
	done
	install -m 644 man/t3.7 $(DESTDIR)$(MANDIR)/man7/t3.7

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t \
		$(DESTDIR)$(MANDIR)/man1/$$t.1 $(DESTDIR)$(BASHCOMPDIR)/$$t \
		$(DESTDIR)$(FISHCOMPDIR)/$$t.fish $(DESTDIR)$(ZSHCOMPDIR)/_$$t; done
	rm -f $(DESTDIR)$(MANDIR)/man7/t3.7

clean:
	rm -rf build bin

.PHONY: all check bench deps install uninstall clean
.PRECIOUS: $(O)/cmd/%.o
