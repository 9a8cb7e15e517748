// Import X.509 only through this module: the Reflect metadata polyfill must load before @peculiar/x509 does.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// Node's own WebCrypto; no third-party crypto provider.
x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
