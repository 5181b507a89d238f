// A minimal SMTP sink on 127.0.0.1 for the SDK tests: it accepts every message and keeps
// it, so tests can read the tokens and codes the server mails.
import net from "node:net";

/** Starts the sink; resolves to {port, messages, waitFor(to, skip), close()}. */
export async function startMailSink() {
  const messages = [];
  const server = net.createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let data = "";
    let to = [];
    const reply = (line) => socket.write(line + "\r\n");
    reply("220 sink ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let index;
      while ((index = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, index + 1);
        buffer = buffer.slice(index + 1);
        if (inData) {
          if (line === ".\r\n" || line === ".\n") {
            messages.push({ to, data });
            to = [];
            data = "";
            inData = false;
            reply("250 OK queued");
          } else {
            data += line.startsWith(".") ? line.slice(1) : line;
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith("EHLO")) {
          socket.write("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
        } else if (upper.startsWith("RCPT TO")) {
          to.push(line.slice(line.indexOf(":") + 1).trim().replace(/^</, "").replace(/>.*$/s, ""));
          reply("250 OK");
        } else if (upper.startsWith("DATA")) {
          inData = true;
          reply("354 go ahead");
        } else if (upper.startsWith("QUIT")) {
          reply("221 bye");
          socket.end();
        } else {
          reply("250 OK");
        }
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;

  /** The message text with quoted-printable and base64 bodies decoded. */
  const text = (message) => {
    let out = message.data.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    for (const block of message.data.split(/\r?\n\r?\n/)) {
      const joined = block.split(/\r?\n/).map((l) => l.trim()).join("");
      if (joined.length >= 16 && /^[A-Za-z0-9+/=]+$/.test(joined)) {
        out += "\n" + Buffer.from(joined, "base64").toString("utf8");
      }
    }
    return out;
  };

  return {
    port,
    messages,
    /** Waits (at most 10 s) for the message number `skip` sent to `to`. */
    async waitFor(to, skip = 0) {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const matching = messages.filter((m) => m.to.includes(to));
        if (matching.length > skip) return text(matching[skip]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no mail to ${to} within 10 s`);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
