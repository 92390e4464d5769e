-- cargo-predeploy for Neovim: security findings as diagnostics, hover docs, code actions.
--
--   require("cargo_predeploy").setup({
--     cmd = { "cargo-predeploy", "lsp" },   -- default; point it at any build of the server
--     settings = { failOn = "info", scanWorkspace = false },
--   })
--
-- Neovim 0.11+: registered with vim.lsp.config()/vim.lsp.enable().
-- Neovim 0.7-0.10: started with vim.lsp.start_client() and attached per buffer.
local M = {}

M.defaults = {
  name = "cargo_predeploy",
  cmd = { "cargo-predeploy", "lsp" },
  -- nil = every file type: the secrets pass runs on any text file.
  filetypes = nil,
  root_markers = { "predeploy.toml", ".predeploy.toml", "Cargo.toml", "package.json", "pyproject.toml", ".git" },
  -- Sent as initializationOptions and workspace/didChangeConfiguration.
  settings = { enable = true, failOn = "info", scanWorkspace = false },
}

local uv = vim.uv or vim.loop

local function find_root(fname, markers)
  local dir = vim.fn.fnamemodify(fname, ":p:h")
  while dir and dir ~= "" do
    for _, m in ipairs(markers) do
      if uv.fs_stat(dir .. "/" .. m) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return vim.fn.fnamemodify(fname, ":p:h")
end

local function wants(opts, bufnr)
  if vim.bo[bufnr].buftype ~= "" or vim.api.nvim_buf_get_name(bufnr) == "" then
    return false
  end
  if opts.filetypes == nil then
    return true
  end
  return vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype)
end

-- Neovim 0.7-0.10: one client per root directory.
local clients = {}

local function attach_legacy(opts, bufnr)
  if not wants(opts, bufnr) then
    return
  end
  local root = find_root(vim.api.nvim_buf_get_name(bufnr), opts.root_markers)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = opts.name,
      cmd = opts.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      init_options = opts.settings,
      settings = { cargoPredeploy = opts.settings },
    })
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(user)
  local opts = vim.tbl_deep_extend("force", {}, M.defaults, user or {})
  M.options = opts
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    -- Neovim 0.11+
    vim.lsp.config(opts.name, {
      cmd = opts.cmd,
      filetypes = opts.filetypes,
      root_markers = opts.root_markers,
      init_options = opts.settings,
      settings = { cargoPredeploy = opts.settings },
    })
    vim.lsp.enable(opts.name)
    return
  end
  local group = vim.api.nvim_create_augroup("cargo_predeploy", { clear = true })
  vim.api.nvim_create_autocmd({ "FileType", "BufReadPost", "BufNewFile" }, {
    group = group,
    callback = function(args)
      attach_legacy(opts, args.buf)
    end,
  })
  -- Buffers already loaded when setup() runs.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) then
      attach_legacy(opts, b)
    end
  end
end

return M
