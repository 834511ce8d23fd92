#!/usr/bin/env node
// Draws the application icon (an envelope with a health cross on a blue tile)
// and writes every format the packagers need, without any image tool:
//   build/icon.png (1024), build/icons/NxN.png (Linux), build/icon.ico (Windows), build/icon.icns (macOS).
// Deterministic: re-running it gives the same bytes. Run: node build/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));

// ---- shapes as signed distances in unit coordinates (negative = inside)
const roundedRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const segment = (x, y, ax, ay, bx, by, half) => {
  const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - t * dx, py - t * dy) - half;
};
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;

const BLUE_TOP = [31, 122, 224];
const BLUE_BOTTOM = [11, 79, 160];
const WHITE = [255, 255, 255];
const GREEN = [22, 150, 88];

/** Layers painted in order: [signed distance(x, y), colour(x, y)]. */
const layers = [
  [(x, y) => roundedRect(x, y, 0.5, 0.5, 0.46, 0.46, 0.1), (_x, y) => BLUE_TOP.map((c, i) => Math.round(c + (BLUE_BOTTOM[i] - c) * y))],
  [(x, y) => roundedRect(x, y, 0.46, 0.5, 0.29, 0.2, 0.035), () => WHITE],
  [(x, y) => Math.min(segment(x, y, 0.19, 0.33, 0.46, 0.55, 0.022), segment(x, y, 0.46, 0.55, 0.73, 0.33, 0.022)), () => BLUE_BOTTOM],
  [(x, y) => circle(x, y, 0.74, 0.72, 0.18), () => WHITE],
  [(x, y) => circle(x, y, 0.74, 0.72, 0.155), () => GREEN],
  [(x, y) => Math.min(roundedRect(x, y, 0.74, 0.72, 0.1, 0.033, 0.008), roundedRect(x, y, 0.74, 0.72, 0.033, 0.1, 0.008)), () => WHITE],
];

function render(size) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size;
      const y = (py + 0.5) / size;
      let [r, g, b, a] = [0, 0, 0, 0];
      for (const [sdf, colour] of layers) {
        // Coverage from the distance, antialiased over one pixel.
        const cover = Math.max(0, Math.min(1, 0.5 - sdf(x, y) * size));
        if (cover === 0) continue;
        const [cr, cg, cb] = colour(x, y);
        const outA = cover + a * (1 - cover);
        r = (cr * cover + r * a * (1 - cover)) / outA;
        g = (cg * cover + g * a * (1 - cover)) / outA;
        b = (cb * cover + b * a * (1 - cover)) / outA;
        a = outA;
      }
      const o = (py * size + px) * 4;
      rgba[o] = Math.round(r);
      rgba[o + 1] = Math.round(g);
      rgba[o + 2] = Math.round(b);
      rgba[o + 3] = Math.round(a * 255);
    }
  }
  return rgba;
}

// ---- PNG encoder (RGBA, 8 bit, no interlace)
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size) {
  const rgba = render(size);
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- ICO (PNG-compressed entries, Windows Vista and later)
function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(([size, data]) => {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4);
    e.writeUInt16LE(32, 6);
    e.writeUInt32LE(data.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += data.length;
    return e;
  });
  return Buffer.concat([header, ...entries, ...images.map(([, d]) => d)]);
}

// ---- ICNS (PNG payloads)
function icns(images) {
  const parts = images.map(([type, data]) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const total = 8 + parts.reduce((n, p) => n + p.length, 0);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(total, 4);
  return Buffer.concat([h, ...parts]);
}

const cache = new Map();
const pngOf = (size) => cache.get(size) ?? cache.set(size, png(size)).get(size);

mkdirSync(join(dir, 'icons'), { recursive: true });
writeFileSync(join(dir, 'icon.png'), pngOf(1024));
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(dir, 'icons', `${size}x${size}.png`), pngOf(size));
writeFileSync(join(dir, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256].map((s) => [s, pngOf(s)])));
writeFileSync(
  join(dir, 'icon.icns'),
  icns([['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024]].map(([t, s]) => [t, pngOf(s)])),
);
console.log('icons written to', dir);
