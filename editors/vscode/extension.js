// pm2-clj for VS Code: a language client that runs `pm2-clj lsp` for *.pm2.edn files.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("pm2-clj");
  const profile = settings.get("profile");
  const server = { command: settings.get("command") || "pm2-clj", args: ["lsp"] };
  client = new LanguageClient(
    "pm2-clj",
    "pm2-clj",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "pm2-edn" }],
      initializationOptions: profile ? { profile } : {},
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
