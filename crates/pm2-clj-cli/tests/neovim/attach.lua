-- Run by tests/neovim.rs in `nvim --headless`: load editors/neovim/pm2-clj.lua, open a
-- file (which attaches `pm2-clj lsp`), wait for its diagnostics, ask for a hover, and
-- write both as JSON.
local bin = os.getenv("PM2_CLJ_BIN")
local file = os.getenv("PM2_CLJ_FILE")
local out = os.getenv("PM2_CLJ_OUT")
local line = tonumber(os.getenv("PM2_CLJ_HOVER_LINE"))
local character = tonumber(os.getenv("PM2_CLJ_HOVER_CHARACTER"))

local function finish(result)
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qa!")
end

-- The shipped set-up, with the server under test.
vim.g.pm2_clj_cmd = { bin, "lsp" }
dofile(os.getenv("PM2_CLJ_SNIPPET"))
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()

local arrived = vim.wait(20000, function()
  return #vim.diagnostic.get(buf) > 0
end, 20)

local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(diagnostics, {
    lnum = d.lnum,
    col = d.col,
    end_lnum = d.end_lnum,
    end_col = d.end_col,
    severity = d.severity,
    message = d.message,
    code = d.code or lsp.code,
  })
end

local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = line, character = character },
}
local responses = vim.lsp.buf_request_sync(buf, "textDocument/hover", params, 20000) or {}
local hover = vim.NIL
for _, response in pairs(responses) do
  if response.result then
    hover = response.result.contents.value
  end
end

for _, client in pairs(vim.lsp.get_active_clients()) do
  client.stop()
end
finish({ arrived = arrived, diagnostics = diagnostics, hover = hover })
