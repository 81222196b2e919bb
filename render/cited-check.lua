-- What citeproc put into a document, checked after it ran (issue 26): pandoc reads
-- a BibTeX field as LaTeX, so a title can become an image (\includegraphics{/etc/passwd},
-- embedded into the HTML; \includegraphics{http://...}, fetched) or a link
-- (\href{javascript:...}{...}), and citeproc links a url field whatever its scheme.
-- The checks before citeproc (quarto-subset.lua) never see any of that.
--
-- Returns one function, check(blocks), used by after-citeproc.lua (HTML and
-- reveal.js, where pandoc's --citeproc runs between the two filters) and by
-- quarto-subset.lua for Typst (which runs citeproc itself). It stops the render
-- (exit 3) before any writer embeds or fetches anything:
--   RENDER-BIB-ERROR: <key>\t<what>   something in bibliography entry <key>
--   RENDER-ERROR: <construct>\t<msg>  a link with a script or local-file scheme anywhere
-- An entry may hold text and links to http(s) addresses only: no image, no raw
-- markup, no other link. Elsewhere, javascript:, vbscript:, data: and file: links
-- are refused (a data: image stays allowed: it is already embedded).

local BAD = { javascript = true, vbscript = true, data = true, file = true }

local function scheme(url)
  -- as a browser reads it: control characters and spaces are ignored
  local u = url:gsub("[%c%s]", ""):lower()
  return u:match("^([%a][%w+.-]*):"), u
end

local function bib_fail(key, what)
  io.stderr:write("RENDER-BIB-ERROR: " .. key .. "\t" .. what:gsub("[\t\n]", " ") .. "\n")
  os.exit(3)
end

local function check_entry(el, key)
  local checks = {
    Image = function(img) bib_fail(key, "an image (" .. img.src .. ")") end,
    Link = function(link)
      if link.target:sub(1, 1) == "#" then return end  -- citation -> reference list
      local s = scheme(link.target)
      if s ~= "http" and s ~= "https" then bib_fail(key, "a link to " .. link.target) end
    end,
    RawInline = function(r) bib_fail(key, "raw " .. r.format .. " markup (" .. r.text:sub(1, 40) .. ")") end,
    RawBlock = function(r) bib_fail(key, "raw " .. r.format .. " markup (" .. r.text:sub(1, 40) .. ")") end,
  }
  if el.t == "Cite" then
    pandoc.Inlines({ el }):walk(checks)
  else
    pandoc.Blocks({ el }):walk(checks)
  end
end

local function refuse(construct, msg)
  io.stderr:write("RENDER-ERROR: " .. construct:sub(1, 80):gsub("[\t\n]", " ") .. "\t" .. msg .. "\n")
  os.exit(3)
end

-- Raw HTML the document writes itself: a link attribute with a script or
-- local-file scheme (an <img src="data:..."> stays allowed).
local LINK_ATTRS = { href = true, action = true, formaction = true, ["xlink:href"] = true }
local function check_raw_html(html)
  for attr, value in html:lower():gmatch("([%w:-]+)%s*=%s*['\"]?([^'\"%s>]*)") do
    local s = scheme(value)
    if s and BAD[s] and (LINK_ATTRS[attr] or (s ~= "data" and s ~= "file")) then
      refuse(attr .. "=" .. value, "a " .. s .. ": address in raw HTML runs a script or opens a local "
        .. "file in the reader's browser; link to an http(s) address or a place in the document")
    end
  end
end

return function(blocks)
  -- the reference list: one Div "ref-<key>" per entry; then each citation's text
  -- (an author-date style prints the title of an entry without author there)
  blocks:walk({
    Div = function(d)
      local key = d.identifier:match("^ref%-(.+)$")
      if key and d.classes:includes("csl-entry") then check_entry(d, key) end
    end,
  })
  blocks:walk({
    Cite = function(c)
      local keys = {}
      for _, cit in ipairs(c.citations) do table.insert(keys, cit.id) end
      check_entry(c, table.concat(keys, ","))
    end,
  })
  blocks:walk({
    Link = function(link)
      local s = scheme(link.target)
      if s and BAD[s] then
        refuse("link " .. link.target, "a " .. s .. ": link runs a script or opens a local file in the "
          .. "reader's browser; link to an http(s) address or a place in the document")
      end
    end,
    Image = function(img)
      local s = scheme(img.src)
      if s and BAD[s] and s ~= "data" then
        refuse("image " .. img.src, "a " .. s .. ": image is never embedded; use a file in the project")
      end
    end,
    RawInline = function(r) if r.format:match("html") then check_raw_html(r.text) end end,
    RawBlock = function(r) if r.format:match("html") then check_raw_html(r.text) end end,
  })
end
