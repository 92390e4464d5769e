// cargo-predeploy for VS Code: starts `cargo-predeploy lsp` (configurable) and forwards settings.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

const SECTION = "cargoPredeploy";
let client: LanguageClient | undefined;

/** The settings the server reads (initializationOptions and didChangeConfiguration). */
function serverSettings(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    enable: c.get<boolean>("enable", true),
    failOn: c.get<string>("failOn", "info"),
    scanWorkspace: c.get<boolean>("scanWorkspace", false),
    extraArgs: c.get<string[]>("extraArgs", []),
  };
}

function createClient(): LanguageClient {
  const c = vscode.workspace.getConfiguration(SECTION);
  // Overridable so tests and development builds can point at `predeploy-lsp` directly.
  const command =
    process.env.CARGO_PREDEPLOY_LSP_PATH || c.get<string>("server.path", "cargo-predeploy");
  const args = process.env.CARGO_PREDEPLOY_LSP_PATH ? [] : c.get<string[]>("server.args", ["lsp"]);
  const serverOptions: ServerOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    // Every file: the secrets pass runs on any text file; the server ignores what it cannot use.
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    initializationOptions: serverSettings(),
    synchronize: {
      // Sends `workspace/didChangeConfiguration` with `{ cargoPredeploy: {...} }`.
      configurationSection: SECTION,
    },
    diagnosticCollectionName: "cargo-predeploy",
  };
  return new LanguageClient(SECTION, "cargo-predeploy", serverOptions, clientOptions);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = createClient();
  context.subscriptions.push(
    vscode.commands.registerCommand("cargoPredeploy.restart", async () => {
      if (client) {
        await client.stop();
      }
      client = createClient();
      await client.start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      // The executable changed: restart; other settings travel over the protocol.
      if (e.affectsConfiguration(`${SECTION}.server`)) {
        await vscode.commands.executeCommand("cargoPredeploy.restart");
      }
    }),
  );
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(
      `cargo-predeploy: could not start the language server (${String(err)}). ` +
        "Install it with `cargo install cargo-predeploy` or set cargoPredeploy.server.path.",
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
    client = undefined;
  }
}
