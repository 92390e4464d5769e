-- Neovim 0.11+ native config (this directory on 'runtimepath', then `vim.lsp.enable("cargo_predeploy")`).
-- Or call require("cargo_predeploy").setup({...}), which works on 0.7 and later.
return {
  cmd = { "cargo-predeploy", "lsp" },
  root_markers = { "predeploy.toml", ".predeploy.toml", "Cargo.toml", "package.json", "pyproject.toml", ".git" },
  init_options = { enable = true, failOn = "info", scanWorkspace = false },
}
