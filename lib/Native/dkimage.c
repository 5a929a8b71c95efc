/*
 * dkimage: a small C shim over libpng and libjpeg-turbo (TurboJPEG API) for DistillKit.Imaging.
 * Everything works on memory buffers: the managed side reads and writes the files, so that file names in error
 * messages and missing-file handling stay in .NET. Every entry returns 0 on success or a negative code:
 *   -1 invalid or corrupt data, -2 wrong signature (not this format), -3 unsupported variant, -4 out of memory,
 *   -5 bad argument.
 * and keeps a thread-local message (dki_last_error). libpng reports errors with longjmp: every libpng call runs
 * under setjmp here, so a bad file can never crash the process. Buffers returned to the caller are malloc'ed and
 * released with dki_free. 16-bit samples cross the boundary in host byte order.
 */
#include <png.h>
#include <turbojpeg.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DKI_API __attribute__((visibility("default")))

enum { DKI_OK = 0, DKI_CORRUPT = -1, DKI_SIGNATURE = -2, DKI_UNSUPPORTED = -3, DKI_NOMEM = -4, DKI_ARG = -5 };

static _Thread_local char g_error[1024];

static void set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_error, sizeof g_error, fmt, ap);
    va_end(ap);
}

DKI_API const char *dki_last_error(void) { return g_error; }

DKI_API void dki_free(void *p) { free(p); }

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* ------------------------------------------------------------------ libpng plumbing */

typedef struct { const unsigned char *data; size_t size, pos; } mem_reader;
typedef struct { unsigned char *data; size_t size, cap; int failed; } mem_writer;

static void png_error_fn(png_structp png, png_const_charp msg)
{
    set_error("%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void png_read_fn(png_structp png, png_bytep out, png_size_t n)
{
    mem_reader *r = (mem_reader *)png_get_io_ptr(png);
    if (r->size - r->pos < n) png_error(png, "file is truncated (read past the end of the data)");
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

static void png_write_fn(png_structp png, png_bytep in, png_size_t n)
{
    mem_writer *w = (mem_writer *)png_get_io_ptr(png);
    if (w->size + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->size + n) cap *= 2;
        unsigned char *grown = (unsigned char *)realloc(w->data, cap);
        if (!grown) { w->failed = 1; png_error(png, "out of memory while encoding PNG"); }
        w->data = grown;
        w->cap = cap;
    }
    memcpy(w->data + w->size, in, n);
    w->size += n;
}

static void png_flush_fn(png_structp png) { (void)png; }

/*
 * Decodes a PNG held in memory. Palette images are expanded to RGB (RGBA when they carry transparency), gray
 * images below 8 bits to 8 bits, a tRNS chunk to an alpha channel; 16-bit samples stay 16-bit. Interlaced images
 * are de-interlaced. Out: width, height, channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), depth (8 or 16),
 * the file's own colour type and interlace method (IHDR), and the pixels row-major, channels interleaved.
 */
DKI_API int dki_png_decode(const unsigned char *data, size_t size, int *width, int *height, int *channels,
                           int *depth, int *file_color_type, int *file_interlace, void **pixels_out)
{
    *pixels_out = NULL;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_error("not a PNG file (wrong signature: the first 8 bytes are not \\x89PNG\\r\\n\\x1a\\n)");
        return DKI_SIGNATURE;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_error_fn, png_warning_fn);
    if (!png) { set_error("libpng: cannot create read struct"); return DKI_NOMEM; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); set_error("libpng: cannot create info struct"); return DKI_NOMEM; }

    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    mem_reader reader = { data, size, 0 };
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return DKI_CORRUPT; /* message set by png_error_fn */
    }
    png_set_read_fn(png, &reader, png_read_fn);
    png_read_info(png, info);

    png_uint_32 w, h;
    int bit_depth, color_type, interlace;
    png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, &interlace, NULL, NULL);
    *file_color_type = color_type;
    *file_interlace = interlace;

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int ch = png_get_channels(png, info);
    int d = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((d != 8 && d != 16) || ch < 1 || ch > 4) {
        set_error("unsupported PNG layout after expansion (%d channels, %d bits)", ch, d);
        png_destroy_read_struct(&png, &info, NULL);
        return DKI_UNSUPPORTED;
    }
    if (rowbytes != (size_t)w * ch * (d / 8)) {
        set_error("inconsistent PNG row size");
        png_destroy_read_struct(&png, &info, NULL);
        return DKI_CORRUPT;
    }
    if ((size_t)h > (size_t)INT32_MAX / rowbytes) { /* the managed side holds pixels in one array */
        set_error("PNG of %ux%u with %d channels of %d bits is too large (over 2 GiB of pixels)", (unsigned)w, (unsigned)h, ch, d);
        png_destroy_read_struct(&png, &info, NULL);
        return DKI_UNSUPPORTED;
    }
    pixels = (unsigned char *)malloc(rowbytes * h);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        set_error("out of memory for a %ux%u PNG", (unsigned)w, (unsigned)h);
        return DKI_NOMEM;
    }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    *width = (int)w;
    *height = (int)h;
    *channels = ch;
    *depth = d;
    *pixels_out = pixels;
    return DKI_OK;
}

/*
 * Encodes pixels (row-major, channels interleaved; 16-bit samples in host order) as a PNG in memory.
 * channels 1..4 give gray, gray+alpha, RGB, RGBA. With npalette > 0 the pixels are 8-bit palette indices
 * (channels 1, depth 8), palette_rgb holds npalette RGB triples and palette_alpha (optional) npalette alphas.
 * interlace != 0 writes Adam7. The output buffer is released with dki_free.
 */
DKI_API int dki_png_encode(const void *pixels, int width, int height, int channels, int depth,
                           const unsigned char *palette_rgb, const unsigned char *palette_alpha, int npalette,
                           int interlace, int compression_level, unsigned char **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4 || (depth != 8 && depth != 16)) {
        set_error("bad PNG encode arguments (%dx%d, %d channels, %d bits)", width, height, channels, depth);
        return DKI_ARG;
    }
    if (npalette > 0 && (channels != 1 || depth != 8 || npalette > 256 || !palette_rgb)) {
        set_error("a palette PNG needs 8-bit single-channel indices and at most 256 colours");
        return DKI_ARG;
    }
    int color_type = npalette > 0 ? PNG_COLOR_TYPE_PALETTE
                   : channels == 1 ? PNG_COLOR_TYPE_GRAY
                   : channels == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA
                   : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
    size_t rowbytes = (size_t)width * channels * (depth / 8);

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_error_fn, png_warning_fn);
    if (!png) { set_error("libpng: cannot create write struct"); return DKI_NOMEM; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); set_error("libpng: cannot create info struct"); return DKI_NOMEM; }

    mem_writer writer = { NULL, 0, 0, 0 };
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(writer.data);
        free(rows);
        png_destroy_write_struct(&png, &info);
        return writer.failed ? DKI_NOMEM : DKI_CORRUPT;
    }
    png_set_write_fn(png, &writer, png_write_fn, png_flush_fn);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (npalette > 0) {
        png_color pal[256];
        for (int i = 0; i < npalette; i++) {
            pal[i].red = palette_rgb[3 * i];
            pal[i].green = palette_rgb[3 * i + 1];
            pal[i].blue = palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, pal, npalette);
        if (palette_alpha) png_set_tRNS(png, info, (png_bytep)palette_alpha, npalette, NULL);
    }
    png_write_info(png, info);
    if (depth == 16 && host_is_little_endian()) png_set_swap(png);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory for PNG row pointers");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * rowbytes;
    png_write_image(png, rows); /* handles the Adam7 passes itself */
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *out = writer.data;
    *out_size = writer.size;
    return DKI_OK;
}

/* ------------------------------------------------------------------ JPEG (TurboJPEG API) */

/*
 * Decodes a JPEG held in memory to 8-bit RGB (3 channels) or, for grayscale files, 8-bit gray (1 channel).
 * strict != 0 treats libjpeg warnings (e.g. "premature end of JPEG file": a truncated file) as errors.
 * CMYK/YCCK files are reported as unsupported.
 */
DKI_API int dki_jpeg_decode(const unsigned char *data, size_t size, int strict, int *width, int *height,
                            int *channels, unsigned char **pixels_out)
{
    *pixels_out = NULL;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        set_error("not a JPEG file (wrong signature: does not start with the SOI marker FF D8 FF)");
        return DKI_SIGNATURE;
    }
    tjhandle tj = tjInitDecompress();
    if (!tj) { set_error("TurboJPEG: %s", tjGetErrorStr2(NULL)); return DKI_NOMEM; }
    /* initialised: on some truncated inputs (FF D8 FF 00 01) TurboJPEG reports success without setting them */
    int w = 0, h = 0, subsamp = -1, colorspace = -1;
    if (tjDecompressHeader3(tj, data, (unsigned long)size, &w, &h, &subsamp, &colorspace) != 0) {
        set_error("bad JPEG header: %s", tjGetErrorStr2(tj));
        tjDestroy(tj);
        return DKI_CORRUPT;
    }
    if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
        set_error("CMYK/YCCK JPEG files are not supported (convert to RGB first)");
        tjDestroy(tj);
        return DKI_UNSUPPORTED;
    }
    int ch = colorspace == TJCS_GRAY ? 1 : 3;
    int pf = ch == 1 ? TJPF_GRAY : TJPF_RGB;
    if (w <= 0 || h <= 0 || colorspace < 0) {
        set_error("bad JPEG header: no frame size (%dx%d) before the data ends: truncated or corrupt", w, h);
        tjDestroy(tj);
        return DKI_CORRUPT;
    }
    if ((size_t)h > (size_t)INT32_MAX / ((size_t)w * ch)) { /* the managed side holds pixels in one array */
        set_error("JPEG of %dx%d is too large (over 2 GiB of pixels)", w, h);
        tjDestroy(tj);
        return DKI_UNSUPPORTED;
    }
    /* guards a header declaring a huge image in a tiny file: Huffman scans spend >= 1 bit per 8x8 block (2x margin) */
    if ((double)w * h > 1024.0 * (double)size + 65536.0) {
        set_error("declares %dx%d pixels but holds only %zu bytes (at least one bit per 8x8 block is needed): truncated or corrupt", w, h, size);
        tjDestroy(tj);
        return DKI_CORRUPT;
    }
    unsigned char *pixels = (unsigned char *)malloc((size_t)w * h * ch);
    if (!pixels) { set_error("out of memory for a %dx%d JPEG", w, h); tjDestroy(tj); return DKI_NOMEM; }
    int flags = strict ? TJFLAG_STOPONWARNING : 0;
    if (tjDecompress2(tj, data, (unsigned long)size, pixels, w, 0, h, pf, flags) != 0) {
        int warning_only = tjGetErrorCode(tj) == TJERR_WARNING;
        if (strict || !warning_only) {
            set_error("corrupt JPEG data: %s", tjGetErrorStr2(tj));
            free(pixels);
            tjDestroy(tj);
            return DKI_CORRUPT;
        }
    }
    tjDestroy(tj);
    *width = w;
    *height = h;
    *channels = ch;
    *pixels_out = pixels;
    return DKI_OK;
}

/*
 * Encodes 8-bit gray (channels 1) or RGB (channels 3) pixels as a baseline JPEG with the given quality (1..100);
 * subsample420 != 0 uses 4:2:0 chroma subsampling, else 4:4:4. The output buffer is released with dki_free.
 */
DKI_API int dki_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                            int subsample420, unsigned char **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
        set_error("bad JPEG encode arguments (%dx%d, %d channels, quality %d)", width, height, channels, quality);
        return DKI_ARG;
    }
    tjhandle tj = tjInitCompress();
    if (!tj) { set_error("TurboJPEG: %s", tjGetErrorStr2(NULL)); return DKI_NOMEM; }
    unsigned char *jpeg = NULL;
    unsigned long jpeg_size = 0;
    int pf = channels == 1 ? TJPF_GRAY : TJPF_RGB;
    int samp = channels == 1 ? TJSAMP_GRAY : subsample420 ? TJSAMP_420 : TJSAMP_444;
    if (tjCompress2(tj, pixels, width, 0, height, pf, &jpeg, &jpeg_size, samp, quality, 0) != 0) {
        set_error("JPEG encoding failed: %s", tjGetErrorStr2(tj));
        tjFree(jpeg);
        tjDestroy(tj);
        return DKI_CORRUPT;
    }
    tjDestroy(tj);
    unsigned char *copy = (unsigned char *)malloc(jpeg_size);
    if (!copy) { tjFree(jpeg); set_error("out of memory"); return DKI_NOMEM; }
    memcpy(copy, jpeg, jpeg_size);
    tjFree(jpeg);
    *out = copy;
    *out_size = jpeg_size;
    return DKI_OK;
}
