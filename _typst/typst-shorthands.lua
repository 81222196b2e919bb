-- Text that is literal in Markdown can still be markup to Typst: "--" and "---"
-- (dashes), "..." (an ellipsis) and "-?" (a soft hyphen) are Typst shorthands,
-- and pandoc's typst writer does not escape all of them (pandoc 3.6, which
-- Quarto 1.8.27 uses, escapes none; pandoc 3.9 escapes the dashes only). In
-- prose pandoc's smart extension has already made real dashes and ellipses of
-- them, so a Str that still holds one came from escaped text, such as a data
-- cell: write it for Typst with its punctuation escaped, as written.
-- Used by both renderers: Quarto through `filters` in _quarto.yml (user filters
-- run before Quarto's own), the offline renderer before its own filter.
if not FORMAT:match("typst") then
  return {}
end

local SHORTHAND = { "%-%-", "%.%.%.", "%-%?" }

return {
  {
    Str = function(s)
      for _, pattern in ipairs(SHORTHAND) do
        if s.text:find(pattern) then
          return pandoc.RawInline("typst", (s.text:gsub("[%p]", "\\%0")))
        end
      end
    end,
  },
}
