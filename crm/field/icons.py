"""Draw the field app's PNG icons (the design of ``static/field/icon.svg``) with Pillow.

Run ``python -m crm.field.icons`` after changing the design; the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE, WHITE, YELLOW = "#0b3d91", "#fff", "#ffc107"
STATIC = Path(__file__).resolve().parent.parent.parent / "static" / "field"


def draw_icon(size: int, *, maskable: bool = False) -> Image.Image:
    """The pin with a tick; a maskable icon fills the square and keeps the pin in the safe zone."""
    s = size / 512
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, size, size], fill=BLUE)
        k = 0.72
    else:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=int(96 * s), fill=BLUE)
        k = 1.0

    def p(x: float, y: float) -> tuple[float, float]:
        return (256 + (x - 256) * k) * s, (256 + (y - 256) * k) * s

    cx, cy = p(256, 205)
    r = 120 * k * s
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=WHITE)
    d.polygon([p(145, 250), p(367, 250), p(256, 424)], fill=WHITE)
    r2 = 46 * k * s
    d.ellipse([cx - r2, cy - r2, cx + r2, cy + r2], fill=BLUE)
    d.line([p(226, 206), p(248, 228), p(288, 184)], fill=YELLOW, width=max(2, int(18 * k * s)), joint="curve")
    return img


def main() -> None:
    draw_icon(192).save(STATIC / "icon-192.png")
    draw_icon(512).save(STATIC / "icon-512.png")
    draw_icon(512, maskable=True).save(STATIC / "icon-maskable-512.png")


if __name__ == "__main__":
    main()
