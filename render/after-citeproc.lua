-- Runs after pandoc's --citeproc for HTML and reveal.js slides: the checks of
-- cited-check.lua on what citeproc made, before the writer embeds any resource.
local dir = pandoc.path.directory(PANDOC_SCRIPT_FILE)
local check = dofile(pandoc.path.join({ dir, "cited-check.lua" }))

function Pandoc(doc)
  check(doc.blocks)
  return nil
end
