/*
 * fuzz_common: what the libFuzzer harnesses under tests/fuzz share: a
 * private scratch tree that is removed at exit, files written into it, the
 * record format that splits one fuzz input into several files, and a
 * failure that names the broken invariant.
 *
 * A harness is one process run by libFuzzer (tests/fuzz.sh), so none of
 * this is thread-safe and none of it needs to be.
 */
#ifndef SSE_FUZZ_COMMON_H
#define SSE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/*
 * A record: the byte 0x1e (ASCII RS), a relative path, '\n', then the
 * file's contents up to the next 0x1e or the end of the input. What a
 * harness does with a path it does not know is its own business (they all
 * ignore it: a harness writes only below its scratch tree, only paths from
 * its own list). Bytes before the first 0x1e are no record.
 */
#define FUZZ_RS 0x1e

struct fuzz_record {
	const char *path;	/* not NUL-terminated: path_len bytes */
	size_t path_len;
	const uint8_t *data;
	size_t len;
};

/* Split data into at most max records; returns how many. */
size_t fuzz_records(const uint8_t *data, size_t size, struct fuzz_record *out, size_t max);

/* The record whose path is exactly path, or NULL. The last one wins. */
const struct fuzz_record *fuzz_record_find(const struct fuzz_record *r, size_t n,
    const char *path);

/* A new empty directory for this process, removed (whole) at exit. */
const char *fuzz_scratch(void);

/* mkdir -p ROOT/REL. */
void fuzz_mkdirs(const char *root, const char *rel);

/*
 * ROOT/REL holds exactly data: created (with the directories between ROOT,
 * which must exist, and it), or
 * truncated and rewritten in place (same inode, so a reader that keeps the
 * file open sees the new bytes).
 */
void fuzz_write(const char *root, const char *rel, const void *data, size_t len);

/* ROOT/REL does not exist (a missing one is fine). */
void fuzz_remove(const char *root, const char *rel);

/* Print "fuzz: <what>" to stdout and abort: libFuzzer saves the input. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* What fd is open on, from /proc/self/fd ("?" if it cannot be told). */
const char *fuzz_fd_target(int fd);

/*
 * How many of this process's file descriptors are open on ROOT or below it
 * (and one of them in *example, when not NULL): a reader's leaked file.
 * Not the lowest free fd: libFuzzer's symbolizer pipes come and stay.
 */
int fuzz_fds_below(const char *root, const char **example);

/* 1 when the len bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int fuzz_utf8_valid(const char *s, size_t len);

/*
 * Seed mode: when FUZZ_MAKE_SEEDS is "DATA_DIR:OUT_DIR", call
 * make(data_dir, out_dir) and exit 0 (tests/fuzz.sh builds each corpus this
 * way, from the fixture trees, so no corpus is committed). Call from
 * LLVMFuzzerInitialize.
 */
void fuzz_seed_mode(void (*make)(const char *data_dir, const char *out_dir));

/*
 * For seed makers: append to *buf a record for REL (as path) with the
 * contents of DIR/FILE if it is a readable regular file (symlinks followed).
 */
void fuzz_seed_append(char **buf, size_t *len, const char *path, const char *dir,
    const char *file);

/* Append to *buf a record for path holding text. */
void fuzz_seed_append_text(char **buf, size_t *len, const char *path, const char *text);

/* Write len bytes of data to OUT_DIR/NAME. */
void fuzz_seed_write(const char *out_dir, const char *name, const char *data, size_t len);

#endif
