//! Uploaded images: what they really are (read from the bytes, never from a header or a
//! name), whether they may be decoded at all (dimensions from the header, before any
//! pixel is allocated), and the clean copies that are stored and served: decoded to
//! pixels, turned upright, re-encoded — so no EXIF, GPS, XMP, IPTC, comment or trailing
//! payload survives, only the colour profile — at a set of widths, in WebP and in the
//! original's format.

use std::io::Cursor;

use fast_image_resize::{self as fr, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits,
};

/// Widths made for every image narrower than its own (never upscaled).
pub const WIDTHS: [u32; 5] = [320, 640, 1024, 1600, 2400];

/// JPEG and WebP quality of the served copies (0–100).
const QUALITY: u8 = 82;

/// The raster formats newsdesk decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl Format {
    /// Its media type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    /// Its file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    /// The short name stored and shown (`jpeg`, `png`, `webp`, `gif`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    /// The format named `name` ([`Self::name`]) or with extension `ext`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "jpeg" | "jpg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "webp" => Some(Self::Webp),
            "gif" => Some(Self::Gif),
            _ => None,
        }
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a raster image newsdesk decodes (415).
    NotAnImage(String),
    /// More pixels than allowed, read from the header (422).
    TooManyPixels { width: u32, height: u32, max: u64 },
    /// A raster image that does not decode: truncated or corrupt (422).
    Corrupt(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotAnImage(why) => f.write_str(why),
            Self::TooManyPixels { width, height, max } => write!(
                f,
                "The image is {width}×{height} pixels; at most {max} pixels are accepted."
            ),
            Self::Corrupt(why) => write!(f, "The image does not decode: {why}."),
        }
    }
}

/// Markup that has no business in a raster image: a file that holds it is a polyglot
/// (an image to one program, a page or script to another).
const MARKUP: &[&[u8]] = &[
    b"<script",
    b"<html",
    b"<svg",
    b"<!doctype",
    b"<?php",
    b"<iframe",
    b"<body",
    b"<object",
    b"<embed",
];

/// What the bytes are, from their first bytes (magic numbers) and nothing else.
pub fn sniff(bytes: &[u8]) -> Result<Format, Refusal> {
    let format = match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Format::Jpeg,
        Ok(ImageFormat::Png) => Format::Png,
        Ok(ImageFormat::WebP) => Format::Webp,
        Ok(ImageFormat::Gif) => Format::Gif,
        Ok(ImageFormat::Avif) => {
            return Err(Refusal::NotAnImage(
                "AVIF is not accepted yet (this server has no AVIF decoder to clean it); send JPEG, PNG, WebP or GIF.".into(),
            ));
        }
        Ok(other) => {
            return Err(Refusal::NotAnImage(format!(
                "{other:?} images are not accepted; send JPEG, PNG, WebP or GIF."
            )));
        }
        Err(_) => {
            return Err(Refusal::NotAnImage(
                "The body is not a raster image (JPEG, PNG, WebP or GIF), whatever its Content-Type says.".into(),
            ));
        }
    };
    // Where a polyglot keeps its markup: before the image's data (in a comment or a
    // header a browser skips) or after its end. (No copy of the file is ever served —
    // each is re-encoded from the pixels — so this is about refusing such files at all;
    // the middle of a compressed stream would match a marker by chance about once in
    // 500 MB.)
    const EDGE: usize = 4096;
    let head = &bytes[..bytes.len().min(EDGE)];
    let tail = &bytes[bytes.len().saturating_sub(EDGE)..];
    if has_markup(head) || has_markup(tail) {
        return Err(Refusal::NotAnImage(
            "The file is an image that also holds markup (a polyglot); it is refused.".into(),
        ));
    }
    Ok(format)
}

/// Whether `bytes` hold any of [`MARKUP`] (any case).
fn has_markup(bytes: &[u8]) -> bool {
    let lower = bytes.to_ascii_lowercase();
    MARKUP
        .iter()
        .any(|m| lower.windows(m.len()).any(|w| w == *m))
}

/// The colour profile kept, when it is one: an ICC profile for RGB data, at most 1 MiB,
/// whose header states its own length, with no markup in it. Anything else (a profile
/// for CMYK or grey applied to RGB output, a huge or forged one carrying other data) is
/// dropped: the copies are then plain sRGB.
fn usable_icc(icc: Option<Vec<u8>>) -> Option<Vec<u8>> {
    let icc = icc?;
    let stated = icc
        .get(0..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    (icc.len() <= 1 << 20
        && stated == Some(icc.len())
        && icc.get(36..40) == Some(b"acsp")
        && icc.get(16..20) == Some(b"RGB ")
        && !has_markup(&icc))
    .then_some(icc)
}

/// One stored copy.
#[derive(Debug, Clone)]
pub struct Copy {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// Whether this is the full-size clean copy of the original.
    pub original: bool,
    pub bytes: Vec<u8>,
}

/// An upload made clean: its format and upright size, and every copy to store.
#[derive(Debug)]
pub struct Processed {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// The full-size copy first, then the variants by width (original format, WebP).
    pub copies: Vec<Copy>,
}

/// Decodes, checks and re-encodes an upload (see the module's text). `max_pixels`
/// is decided from the header, before decoding.
pub fn process(bytes: &[u8], max_pixels: u64) -> Result<Processed, Refusal> {
    let format = sniff(bytes)?;
    let corrupt = |e: image::ImageError| Refusal::Corrupt(e.to_string());
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(match format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Webp => ImageFormat::WebP,
        Format::Gif => ImageFormat::Gif,
    });
    let mut limits = Limits::default();
    // A second guard behind the pixel count: no decoder may allocate more than this.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).max(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Refusal::TooManyPixels {
            width,
            height,
            max: max_pixels,
        });
    }
    if width == 0 || height == 0 {
        return Err(Refusal::Corrupt("it has no pixels".into()));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc = usable_icc(decoder.icc_profile().ok().flatten());
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    if format == Format::Jpeg && !jpeg_is_complete(bytes) {
        // zune-jpeg fills a cut-off scan with grey rather than failing.
        return Err(Refusal::Corrupt(
            "the JPEG is truncated (no end marker)".into(),
        ));
    }
    pixels.apply_orientation(orientation);
    let alpha = pixels.color().has_alpha() && format != Format::Jpeg;
    let (kind, layout) = if alpha {
        (PixelType::U8x4, ExtendedColorType::Rgba8)
    } else {
        (PixelType::U8x3, ExtendedColorType::Rgb8)
    };
    let (width, height) = (pixels.width(), pixels.height());
    let raw = if alpha {
        pixels.into_rgba8().into_raw()
    } else {
        pixels.into_rgb8().into_raw()
    };
    let encode = |f: Format, w: u32, h: u32, px: &[u8]| -> Result<Vec<u8>, Refusal> {
        encode(f, w, h, px, layout, icc.as_deref())
            .map_err(|e| Refusal::Corrupt(format!("it could not be re-encoded ({e})")))
    };
    let mut copies = vec![Copy {
        format,
        width,
        height,
        original: true,
        bytes: encode(format, width, height, &raw)?,
    }];
    let src = fr::images::Image::from_vec_u8(width, height, raw, kind)
        .map_err(|e| Refusal::Corrupt(e.to_string()))?;
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    let mut targets: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < width).collect();
    if width <= WIDTHS[WIDTHS.len() - 1] {
        targets.push(width);
    }
    // Widest first, each made from the one before (at most 2.5× smaller per step): a
    // 12 MP photo is convolved down once, not five times with ever wider kernels.
    let mut current: Option<fr::images::Image<'static>> = None;
    for &w in targets.iter().rev() {
        let (pixels, h) = if w == width {
            (src.buffer().to_vec(), height)
        } else {
            let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
                .max(1) as u32;
            let mut dst = fr::images::Image::new(w, h, kind);
            resizer
                .resize(current.as_ref().unwrap_or(&src), &mut dst, &options)
                .map_err(|e| Refusal::Corrupt(e.to_string()))?;
            let pixels = dst.buffer().to_vec();
            current = Some(dst);
            (pixels, h)
        };
        if w != width {
            copies.push(Copy {
                format,
                width: w,
                height: h,
                original: false,
                bytes: encode(format, w, h, &pixels)?,
            });
        }
        if format != Format::Webp || w != width {
            copies.push(Copy {
                format: Format::Webp,
                width: w,
                height: h,
                original: false,
                bytes: encode(Format::Webp, w, h, &pixels)?,
            });
        }
    }
    // The full-size copy first, then by width, the original's format before WebP.
    copies[1..].sort_by_key(|c| (c.width, c.format != format));
    Ok(Processed {
        format,
        width,
        height,
        copies,
    })
}

/// Whether a JPEG's scan data ends: an End Of Image marker after its first Start Of
/// Scan (phones append trailers and motion clips after it, which is fine).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let find = |from: usize, marker: [u8; 2]| {
        bytes
            .get(from..)
            .and_then(|b| b.windows(2).position(|w| w == marker))
            .map(|i| i + from)
    };
    find(0, [0xFF, 0xDA]).is_some_and(|sos| find(sos + 2, [0xFF, 0xD9]).is_some())
}

/// Encodes pixels (`layout`, tightly packed) as `format`, with the colour profile.
fn encode(
    format: Format,
    width: u32,
    height: u32,
    pixels: &[u8],
    layout: ExtendedColorType,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            let (w, h) = (
                u16::try_from(width).map_err(|_| "too wide for JPEG")?,
                u16::try_from(height).map_err(|_| "too tall for JPEG")?,
            );
            let mut e = jpeg_encoder::Encoder::new(&mut out, QUALITY);
            if let Some(icc) = icc {
                e.add_icc_profile(icc).map_err(|e| e.to_string())?;
            }
            if layout == ExtendedColorType::Rgba8 {
                e.encode(pixels, w, h, jpeg_encoder::ColorType::Rgba)
            } else {
                e.encode(pixels, w, h, jpeg_encoder::ColorType::Rgb)
            }
            .map_err(|e| e.to_string())?;
        }
        Format::Png => {
            let mut e = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Adaptive,
            );
            if let Some(icc) = icc {
                let _ = e.set_icc_profile(icc.to_vec());
            }
            e.write_image(pixels, width, height, layout)
                .map_err(|e| e.to_string())?;
        }
        Format::Gif => {
            let e = image::codecs::gif::GifEncoder::new_with_speed(&mut out, 10);
            let rgba = match layout {
                ExtendedColorType::Rgba8 => pixels.to_vec(),
                _ => pixels
                    .chunks_exact(3)
                    .flat_map(|p| [p[0], p[1], p[2], 255])
                    .collect(),
            };
            e.write_image(&rgba, width, height, ExtendedColorType::Rgba8)
                .map_err(|e| e.to_string())?;
        }
        Format::Webp => {
            let encoder = if layout == ExtendedColorType::Rgba8 {
                webp::Encoder::from_rgba(pixels, width, height)
            } else {
                webp::Encoder::from_rgb(pixels, width, height)
            };
            let mut config = webp::WebPConfig::new().map_err(|()| "no WebP config")?;
            config.quality = f32::from(QUALITY);
            config.method = 2;
            let memory = encoder
                .encode_advanced(&config)
                .map_err(|e| format!("{e:?}"))?;
            out = memory.to_vec();
            if let Some(icc) = icc {
                use img_parts::ImageICC;
                let mut webp = img_parts::webp::WebP::from_bytes(out.clone().into())
                    .map_err(|e| e.to_string())?;
                webp.set_icc_profile(Some(icc.to_vec().into()));
                out = webp.encoder().bytes().to_vec();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(img.as_raw(), width, height, ExtendedColorType::Rgb8)
            .expect("encodes");
        out
    }

    #[test]
    fn variants_are_never_upscaled_and_come_in_both_formats() {
        let p = process(&jpeg(700, 350), 1_000_000).expect("processes");
        assert_eq!((p.format, p.width, p.height), (Format::Jpeg, 700, 350));
        let made: Vec<(Format, u32, u32)> = p
            .copies
            .iter()
            .map(|c| (c.format, c.width, c.height))
            .collect();
        assert_eq!(
            made,
            [
                (Format::Jpeg, 700, 350),
                (Format::Jpeg, 320, 160),
                (Format::Webp, 320, 160),
                (Format::Jpeg, 640, 320),
                (Format::Webp, 640, 320),
                (Format::Webp, 700, 350),
            ]
        );
        for c in &p.copies {
            assert_eq!(sniff(&c.bytes), Ok(c.format));
        }
    }

    #[test]
    fn pixels_are_counted_before_decoding() {
        assert_eq!(
            process(&jpeg(100, 100), 9_999).map(|_| ()),
            Err(Refusal::TooManyPixels {
                width: 100,
                height: 100,
                max: 9_999
            })
        );
    }

    #[test]
    fn markup_and_text_are_not_images() {
        assert!(matches!(
            sniff(b"<svg><script>alert(1)</script></svg>"),
            Err(Refusal::NotAnImage(_))
        ));
        assert!(matches!(sniff(b"hello"), Err(Refusal::NotAnImage(_))));
        let mut polyglot = jpeg(10, 10);
        polyglot.extend_from_slice(b"<html><script>alert(1)</script>");
        assert!(matches!(sniff(&polyglot), Err(Refusal::NotAnImage(_))));
    }

    #[test]
    fn a_truncated_jpeg_is_corrupt() {
        let whole = jpeg(200, 200);
        let cut = &whole[..whole.len() / 2];
        assert!(matches!(process(cut, 1_000_000), Err(Refusal::Corrupt(_))));
    }
}
