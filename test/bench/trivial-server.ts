import Fastify from 'fastify';

/**
 * The HTTP ceiling's server, run as its own process (`node --import tsx test/bench/trivial-server.ts`):
 * the same Fastify as Fathom, no logger, one `POST /trivial` that parses a small JSON body and
 * answers `{}`. Prints `{"listening": "http://127.0.0.1:PORT"}` and stops on SIGTERM.
 */
const app = Fastify({ logger: false });
app.post('/trivial', async () => ({}));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ listening: address })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
