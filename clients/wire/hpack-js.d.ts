// Types for the parts of hpack.js (it publishes none) that the HTTP/2 reader and its tests use.

declare module 'hpack.js' {
  namespace hpack {
    interface Field {
      name: string;
      value: string;
      neverIndex: boolean;
    }

    interface Decompressor {
      write(chunk: Uint8Array): boolean;
      /** Decodes what was written; errors are emitted as 'error' events. */
      execute(): void;
      read(): Field | null;
      on(event: 'error', listener: (err: Error) => void): this;
      /** Private, but the only way to follow a peer's larger SETTINGS_HEADER_TABLE_SIZE. */
      _table?: { protocolMaxSize: number };
    }

    interface Compressor {
      write(fields: { name: string; value: string }[]): boolean;
      read(): Buffer | null;
    }
  }

  const hpack: {
    decompressor: { create(options: { table: { maxSize: number } }): hpack.Decompressor };
    compressor: { create(options: { table: { maxSize: number } }): hpack.Compressor };
  };
  export = hpack;
}
