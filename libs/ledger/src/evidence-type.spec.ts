import { describe, expect, it } from '@jest/globals';
import { evidenceType } from './evidence-type.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
/** The compound-file signature Office 97–2003 documents start with, then padding. */
const CFB = Buffer.concat([
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
  Buffer.alloc(600),
]);

describe('evidenceType: the bytes decide, from an allow-list', () => {
  it('serves allowed types as sniffed, whatever was declared', async () => {
    expect(await evidenceType(PNG, 'text/html')).toBe('image/png');
    expect(await evidenceType(PDF, 'application/octet-stream')).toBe('application/pdf');
  });

  it('serves HTML, SVG, text and unknown bytes as octet-stream, even when declared as allowed', async () => {
    const html = Buffer.from('<!doctype html><html><script>alert(1)</script></html>');
    expect(await evidenceType(html, 'text/html')).toBe('application/octet-stream');
    expect(await evidenceType(html, 'image/png')).toBe('application/octet-stream');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    expect(await evidenceType(svg, 'image/svg+xml')).toBe('application/octet-stream');
    expect(await evidenceType(Buffer.from('plain words'), 'text/plain')).toBe(
      'application/octet-stream',
    );
  });

  it('names an Office 97–2003 compound file by its declared type, only if that is one', async () => {
    expect(await evidenceType(CFB, 'application/msword')).toBe('application/msword');
    expect(await evidenceType(CFB, 'application/vnd.ms-excel; charset=binary')).toBe(
      'application/vnd.ms-excel',
    );
    expect(await evidenceType(CFB, 'text/html')).toBe('application/octet-stream');
  });
});
