// hpack.js publishes no types; the frame engine reads only two of its tables: the Huffman code
// (RFC 7541 Appendix B), for each symbol 0..256 (256 is EOS) [bit length, code], and the static
// table (Appendix A), index 1 first.

declare module 'hpack.js/lib/hpack/huffman.js' {
  export const encode: [number, number][];
}

declare module 'hpack.js/lib/hpack/static-table.js' {
  export const table: { name: string; value: string }[];
}
