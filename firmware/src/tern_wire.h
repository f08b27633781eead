/*
 * tern_wire.h - internal: the byte writer shared by the serializer and the session.
 *
 * Not installed, not part of the API. A writer appends big-endian integers, varints and bytes to
 * a caller buffer. Writes past the capacity are dropped but still counted, so running an encoder
 * with a zero-capacity writer measures its output (size-then-serialize from one code path), and
 * a serializer checks `pos <= cap` once at the end.
 */
#ifndef TERN_WIRE_H
#define TERN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_serializer.h"

/* RecordBatch v2 header offsets. */
#define TERN_BATCH_CRC_OFFSET 17u
#define TERN_BATCH_ATTRIBUTES_OFFSET 21u
/* Largest int16 / int32 length the classic encodings allow. */
#define TERN_I16_MAX 0x7FFF
#define TERN_I32_MAX 0x7FFFFFFF

/* Appends the low n (1..4) bytes of v, most significant first. */
void tern_w_be(tern_writer_t *w, uint32_t v, unsigned n);
/* Appends a big-endian int64. */
void tern_w_i64(tern_writer_t *w, int64_t v);
/* Appends n bytes from src; src NULL advances without writing (space patched later). */
void tern_w_raw(tern_writer_t *w, const void *src, size_t n);
/* Zigzag varint (int32) and varlong (int64), as RecordBatch v2 records use them. */
void tern_w_varint(tern_writer_t *w, int32_t v);
void tern_w_varlong(tern_writer_t *w, int64_t v);
/* Classic string: int16 length (-1 when s is NULL) then bytes. */
void tern_w_str16(tern_writer_t *w, const char *s, size_t n);
/* Overwrites n (1..4) big-endian bytes at offset at (when they lie inside the buffer). */
void tern_w_patch_be(tern_writer_t *w, size_t at, uint32_t v, unsigned n);
/* Size prefix placeholder + request header v1. */
void tern_w_request_header(tern_writer_t *w, int16_t api_key, const tern_request_header_t *header);
/* Patches the size prefix; TERN_BUFFER_TOO_SMALL if the frame overran the capacity. */
tern_status_t tern_w_finish(tern_writer_t *w, size_t *written);

/* True if the record's pointers and lengths are consistent and fit the wire format. */
bool tern_record_valid(const tern_record_t *record);
/* Writes the key, value and headers of a record (the part that does not depend on the batch). */
void tern_w_record_tail(tern_writer_t *w, const tern_record_t *record);
/* Appends a record whose tail (tern_w_record_tail() output) is already encoded, as the
 * session's offline buffer stores readings. Same contract as tern_produce_add_record(). */
tern_status_t tern_produce_add_encoded(tern_produce_builder_t *b, int64_t timestamp_ms,
                                       const uint8_t *tail, size_t tail_len);
/* Removes the open partition and its records from the request. */
void tern_produce_drop_partition(tern_produce_builder_t *b);

#endif /* TERN_WIRE_H */
