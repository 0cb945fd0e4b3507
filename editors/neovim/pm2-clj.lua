-- pm2-clj for Neovim (0.7 or later): starts `pm2-clj lsp` for *.pm2.edn files, which
-- keep Clojure's highlighting. Copy this file into your config and `require` it, or
-- `dofile` it from init.lua. Settings, before it runs:
--   vim.g.pm2_clj_cmd      = { "pm2-clj", "lsp" }   -- the server command
--   vim.g.pm2_clj_patterns = { "*.pm2.edn" }        -- files to attach to (add "*.edn" for libraries)
--   vim.g.pm2_clj_options  = { profile = "prod" }   -- initializationOptions: profile, env, debounceMs
-- Then :lua vim.lsp.buf.hover(), vim.lsp.buf.definition(), vim.lsp.buf.code_action(),
-- and vim.lsp.buf.format() (vim.lsp.buf.formatting() before 0.8) work as for any server.
--
-- Without the language server, `:make` can run the checker instead:
--   setlocal makeprg=pm2-clj\ check\ --message-format\ short\ %
--   setlocal errorformat=%f:%l:%c:\ %trror[%o]:\ %m,%f:%l:%c:\ %tarning[%o]:\ %m

local function start(buf)
  local file = vim.api.nvim_buf_get_name(buf)
  local config = {
    name = "pm2-clj",
    cmd = vim.g.pm2_clj_cmd or { "pm2-clj", "lsp" },
    root_dir = vim.fn.fnamemodify(file, ":p:h"),
    init_options = vim.g.pm2_clj_options or vim.empty_dict(),
  }
  if vim.lsp.start then
    vim.api.nvim_buf_call(buf, function()
      vim.lsp.start(config)
    end)
  else
    -- Neovim 0.7: one client per root, attached by hand.
    _G.pm2_clj_clients = _G.pm2_clj_clients or {}
    local id = _G.pm2_clj_clients[config.root_dir]
    if not id or not vim.lsp.get_client_by_id(id) then
      id = vim.lsp.start_client(config)
      _G.pm2_clj_clients[config.root_dir] = id
    end
    if id then
      vim.lsp.buf_attach_client(buf, id)
    end
  end
end

vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
  pattern = vim.g.pm2_clj_patterns or { "*.pm2.edn" },
  callback = function(args)
    start(args.buf)
  end,
})
