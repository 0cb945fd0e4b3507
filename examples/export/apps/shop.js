// The shop's two apps in one script: `web` answers HTTP on PORT, `worker` works every
// second. Each says which instance it is and that it has its token (a hash, never the
// token), and stops cleanly on SIGINT, as PM2 and the exported units stop it.
const crypto = require("crypto");
const http = require("http");

const role = process.argv[2] || "worker";
const instance = process.env.NODE_APP_INSTANCE;
const token = process.env.API_TOKEN || "";
const hash = crypto.createHash("sha256").update(token).digest("hex").slice(0, 16);
console.log(`${role} ${instance} started pid=${process.pid} token-sha256=${hash}`);

let server;
let timer;
if (role === "web") {
  const port = Number(process.env.PORT);
  server = http.createServer((req, res) => res.end(`${role} ${instance}\n`));
  server.listen(port, () => console.log(`${role} ${instance} listening on ${port}`));
} else {
  timer = setInterval(() => {}, 1000);
}

process.on("SIGINT", () => {
  console.log(`${role} ${instance} got SIGINT pid=${process.pid}`);
  clearInterval(timer);
  if (server) server.close(() => process.exit(0));
  else process.exit(0);
});
