//! QR codes for printed tickets, drawn on the server as SVG (no script, no image library).
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG QR code of `text`, with a quiet zone, medium error correction (a thermal print
/// smudges), scaled by the page.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Without the XML prolog, so it can sit inside an HTML page as well as stand alone.
    let start = drawn.find("<svg").unwrap_or(0);
    Some(drawn[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the same code the SVG is drawn from, with an independent decoder.
    #[test]
    fn the_code_reads_back_as_the_address() {
        let url = "http://192.168.1.20:8080/t/5f0c9a1e2b7d4c3a8e6f1029384756abcdef0123456789abcdef0123456789ab";
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).expect("fits");
        let width = code.width();
        let colors = code.to_colors();
        let scale = 4;
        let quiet = 4;
        let size = (width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
            let (mx, my) = ((x / scale).wrapping_sub(quiet), (y / scale).wrapping_sub(quiet));
            let dark = mx < width && my < width && colors[my * width + mx] == qrcode::Color::Dark;
            if dark {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decodes");
        assert_eq!(content, url);
        let drawn = svg(url).expect("svg");
        assert!(drawn.starts_with("<svg"), "{}", &drawn[..40]);
    }
}
