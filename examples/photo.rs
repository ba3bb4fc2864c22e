//! A photo-like JPEG for `bench/media.sh`: smooth light and colour fields with fine grain
//! (a camera's noise), so it compresses like a photograph (a flat or random image would
//! flatter or punish the encoders), distinct per seed (so none is deduplicated).
//!
//!     cargo run --release --example photo -- 4000 3000 1 photo.jpg

use image::ImageEncoder;
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (w, h): (u32, u32) = (args[1].parse()?, args[2].parse()?);
    let seed: u64 = args[3].parse()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (fx, fy, phase) = (
        rng.random_range(1.0..6.0f32),
        rng.random_range(1.0..6.0f32),
        rng.random_range(0.0..std::f32::consts::TAU),
    );
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
            let light = 0.5
                + 0.25
                    * ((u * fx * std::f32::consts::TAU + phase).sin()
                        + (v * fy * std::f32::consts::TAU).cos());
            let detail = ((u * 180.0).sin() * (v * 140.0).cos()) * 0.08;
            for c in 0..3 {
                let tint = [1.0, 0.85, 0.7][c] * (light + detail);
                let grain = rng.random_range(-10.0..10.0f32);
                px.push((tint * 235.0 + grain).clamp(0.0, 255.0) as u8);
            }
        }
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[4])?);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92).write_image(
        &px,
        w,
        h,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(())
}
