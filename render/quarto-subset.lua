-- Quarto semantics for the subset this project uses, as a pandoc Lua filter:
-- cross-references (@fig-, @tbl-, @sec-) numbered as Quarto numbers them,
-- figure alt text from fig-alt, and callouts for HTML and Typst.
-- Run before --citeproc so that citeproc sees only real citations.
--
-- For Typst the filter writes what Quarto's own filters write (figures and
-- tables as `#figure(..., kind: "quarto-float-tbl", supplement: "Table")`,
-- references as `#ref(<id>, supplement: [Table])`, callouts as a call of
-- `callout(...)`), so that one Typst template serves both renderers and
-- Typst itself numbers figures, tables and sections.

local is_typst = FORMAT:match("typst") ~= nil
-- checks of what citeproc made (for HTML and slides after-citeproc.lua runs them)
local check_cited = dofile(pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE),
  "cited-check.lua" }))
local is_reveal = FORMAT == "revealjs"
local refs = {}

local KIND = { fig = "Figure", tbl = "Table", sec = "Section" }
local CALLOUT_TITLE = {
  note = "Note", tip = "Tip", warning = "Warning",
  important = "Important", caution = "Caution",
}

local NBSP = "\u{00A0}"  -- Quarto joins "Figure" and its number with a no-break space

-- Quarto's callout colours (filters/modules/constants.lua): background, icon
local CALLOUT_COLOURS = {
  note = { "dae6fb", "0758E5" }, warning = { "fcefdc", "EB9113" },
  important = { "f7dddc", "CC1914" }, caution = { "ffe5d0", "FC5300" },
  tip = { "ccf1e3", "00A047" },
}

local function prefix_of(id)
  return id and id:match("^(%a+)%-") or nil
end

local function fail(msg, construct)
  io.stderr:write("RENDER-ERROR: " .. (construct or "cross-reference") .. "\t" .. msg .. "\n")
  os.exit(3)
end

-- No network during a render: a resource that pandoc would fetch to embed it
-- (an image, a stylesheet, a script, a frame) must be a local file. Links
-- (<a href>, Markdown links) are not fetched and stay allowed.
local REMOTE = "^%s*['\"]?%s*([%a][%w+.-]*:)//"
local function is_remote(url)
  local scheme = url:match(REMOTE) or (url:match("^%s*['\"]?%s*//") and "//")
  return scheme ~= nil and scheme ~= "file:"
end

-- Attributes whose URL a browser or pandoc fetches (an <a href> is not fetched;
-- a <link href> is, and is checked by tag below).
local FETCHED = { src = true, srcset = true, poster = true, data = true, background = true }

local function check_remote_html(html)
  local lower = html:lower()
  for tag, attrs in lower:gmatch("<%s*([%w-]+)([^>]*)>") do
    for attr, value in attrs:gmatch("([%w-]+)%s*=%s*(['\"]?[^%s>]*)") do
      if (FETCHED[attr] or (attr == "href" and tag == "link")) and is_remote(value) then
        fail("<" .. tag .. " " .. attr .. "=" .. value .. ">: a render never fetches from "
          .. "another host; save the file in the project and point to it", "remote resource")
      end
    end
  end
  for url in lower:gmatch("url%s*%(([^)]*)%)") do
    if is_remote(url) then
      fail("url(" .. url .. "): a render never fetches from another host", "remote resource")
    end
  end
  for url in lower:gmatch("@import%s+([^;%s]+)") do
    if url:match("//") then
      fail("@import " .. url .. ": a render never fetches from another host", "remote resource")
    end
  end
end

local function check_attributes(el)
  for k, v in pairs(el.attributes or {}) do
    local key = k:lower()
    if key == "style" then
      check_remote_html("<x style=" .. v .. ">")
    elseif FETCHED[key] and is_remote(v) then
      fail(key .. "=" .. v .. ": a render never fetches from another host", "remote resource")
    end
  end
end

local function check_no_remote(blocks)
  local checks = {
    Image = function(img)
      check_attributes(img)
      if is_remote(img.src) then
        fail("image " .. img.src .. ": a render never fetches from another host; save the "
          .. "file in the project and point to it", "remote resource")
      end
    end,
    RawInline = function(r) if r.format:match("html") then check_remote_html(r.text) end end,
    RawBlock = function(r) if r.format:match("html") then check_remote_html(r.text) end end,
  }
  for _, t in ipairs({ "Div", "Span", "Header", "Link", "Code", "CodeBlock", "Table", "Figure" }) do
    checks[t] = check_attributes
  end
  blocks:walk(checks)
end

local function prepend_caption(caption, label)
  local long = caption.long
  local lead = { pandoc.Str(label .. ":"), pandoc.Space() }
  if #long == 0 then
    caption.long = { pandoc.Plain(lead) }
  else
    local first = long[1]
    if first.t == "Plain" or first.t == "Para" then
      first.content = pandoc.Inlines(lead) .. first.content
    else
      table.insert(long, 1, pandoc.Plain(lead))
    end
  end
  return caption
end

-- Pass 1: number sections, figures and tables in document order.
local function number_things(blocks)
  local levels = { 0, 0, 0, 0, 0, 0 }
  local counts = { fig = 0, tbl = 0 }
  -- a figure or table with a fig-/tbl- id: next number, "Figure 1: " caption
  local function number_float(el, kind)
    if prefix_of(el.identifier) ~= kind then return end
    counts[kind] = counts[kind] + 1
    local label = KIND[kind] .. NBSP .. counts[kind]
    refs[el.identifier] = tostring(counts[kind])
    if not is_typst then el.caption = prepend_caption(el.caption, label) end
  end
  return blocks:walk({
    traverse = "topdown",
    Header = function(h)
      if h.classes:includes("unnumbered") then
        if h.identifier:match("^sec%-") then
          fail("@" .. h.identifier .. " names an unnumbered section; Quarto cannot number it")
        end
        return nil
      end
      levels[h.level] = levels[h.level] + 1
      for l = h.level + 1, 6 do levels[l] = 0 end
      local parts = {}
      for l = 1, h.level do parts[#parts + 1] = tostring(levels[l]) end
      -- as pandoc numbers them (and Quarto): a document whose sections start at
      -- "##" numbers them 1, 2, ... not 0.1, 0.2
      while #parts > 1 and parts[1] == "0" do table.remove(parts, 1) end
      if h.identifier:match("^sec%-") then
        refs[h.identifier] = table.concat(parts, ".")
      end
      return nil
    end,
    Figure = function(f)
      number_float(f, "fig")
      return f
    end,
    Table = function(t)
      number_float(t, "tbl")
      return t
    end,
  })
end

local function typst_inlines(inlines)
  local doc = pandoc.Pandoc({ pandoc.Plain(inlines) })
  return pandoc.write(doc, "typst-citations"):gsub("%s+$", "")
end

-- A numbered figure or table as Quarto writes it for Typst (make_typst_figure).
local function typst_float(content, caption, id, kind)
  local out = pandoc.Blocks({ pandoc.RawBlock("typst", "#figure([") })
  out:extend(content)
  out:insert(pandoc.RawBlock("typst",
    "], caption: figure.caption(\nposition: " .. (kind == "tbl" and "top" or "bottom") ..
    ", \n[\n" .. typst_inlines(pandoc.utils.blocks_to_inlines(caption.long)) .. "\n]), \n" ..
    'kind: "quarto-float-' .. kind .. '", \nsupplement: "' .. KIND[kind] .. '", \n)\n' ..
    (id ~= "" and ("<" .. id .. ">\n") or "")))
  return out
end

local function typst_floats(blocks)
  return blocks:walk({
    Figure = function(f)
      if prefix_of(f.identifier) ~= "fig" then
        -- a captioned figure without a fig- label (an image alone in its paragraph):
        -- Quarto makes it a float of the same kind, so Typst numbers it in the same
        -- sequence as the labelled ones ("Figure 1", then "Figure 2"), not apart
        if #f.caption.long == 0 then return nil end
        return typst_float(f.content, f.caption, "", "fig")
      end
      return typst_float(f.content, f.caption, f.identifier, "fig")
    end,
    Table = function(t)
      if prefix_of(t.identifier) ~= "tbl" then return nil end
      local id, caption = t.identifier, t.caption
      t.identifier = ""
      t.caption = pandoc.Caption()
      -- pandoc >= 3.7 wraps even a captionless table in a centred figure of
      -- kind `table`, which cannot break across pages; Quarto's pandoc (3.6)
      -- writes the bare #table(...) inside its float, and so do we.
      local typ = pandoc.write(pandoc.Pandoc({ t }), "typst-citations")
      local inner = typ:match("^%s*#figure%(%s*align%(center%)%[(#table%(.*%))%]%s*,%s*kind:%s*table%s*%)%s*$")
      return typst_float(pandoc.Blocks({ pandoc.RawBlock("typst", inner or typ) }), caption, id, "tbl")
    end,
  })
end

-- Quarto's other cross-reference kinds (crossref/format.lua, theorems, listings,
-- callouts, equations): refused by name rather than sent to citeproc as citations.
local OTHER_XREF = { eq = "an equation", lst = "a code listing", thm = "a theorem",
  lem = "a lemma", cor = "a corollary", prp = "a proposition", cnj = "a conjecture",
  def = "a definition", exm = "an example", exr = "an exercise", sol = "a solution",
  rem = "a remark", alg = "an algorithm", nte = "a note callout", tip = "a tip callout",
  wrn = "a warning callout", imp = "an important callout", cau = "a caution callout" }

-- As Quarto's crossref/refs.lua: "@fig-x" is "Figure 1"; "[Fig. @fig-x]" puts the
-- reader's prefix in place of "Figure"; "[-@fig-x]" is the number alone; a suffix
-- is dropped. In Typst the prefix is the supplement of #ref.
local function lower_first(id)
  return id:sub(1, 1):lower() .. id:sub(2)
end

local function resolve_refs(blocks)
  -- A "fig-" image that pandoc did not make a Figure (no caption, or inside a
  -- link or a paragraph of text) is a numbered figure in Quarto: refuse it.
  blocks:walk({ Image = function(img)
    if img.identifier:match("^fig%-") then
      fail("Quarto numbers it as a figure; the offline renderer makes a figure only of a " ..
           "captioned image alone in its paragraph (not one without a caption, nor one inside " ..
           "a link)", "labelled image '#" .. img.identifier .. "'")
    end
  end })
  return blocks:walk({
    Cite = function(c)
      local any_xref = false
      for _, cit in ipairs(c.citations) do
        local p = prefix_of(lower_first(cit.id))
        if p and OTHER_XREF[p] then
          fail("@" .. cit.id .. " refers to " .. OTHER_XREF[p] .. "; Quarto numbers '" .. p ..
               "-' labels, the offline renderer numbers only fig-, tbl- and sec- labels")
        end
        if p and KIND[p] then any_xref = true end
      end
      if not any_xref then return nil end
      local out = pandoc.Inlines({})
      for i, cit in ipairs(c.citations) do
        local id = lower_first(cit.id)  -- "@Fig-x" is "@fig-x" (Quarto capitalises the prefix)
        local p = prefix_of(id)
        if not (p and KIND[p]) then
          fail("a citation and a cross-reference are mixed in one bracket: @" .. id)
        end
        local number = refs[id]
        if not number then
          fail("unresolved cross-reference @" .. id .. " (no " .. KIND[p]:lower() ..
               " has that label)")
        end
        local prefix = pandoc.Inlines({})
        if #cit.prefix > 0 then
          prefix:extend(cit.prefix)
          if not is_typst then prefix:insert(pandoc.Str(NBSP)) end
        elseif cit.mode ~= "SuppressAuthor" then
          prefix:insert(pandoc.Str(KIND[p] .. (is_typst and "" or NBSP)))
        end
        if i > 1 then out:insert(pandoc.Str(",")); out:insert(pandoc.Space()) end
        if is_typst then
          out:insert(pandoc.RawInline("typst", "#ref(<" .. id .. ">, supplement: ["))
          out:extend(prefix)
          out:insert(pandoc.RawInline("typst", "])"))
        else
          prefix:insert(pandoc.Str(number))
          out:insert(pandoc.Link(prefix, "#" .. id, "", { class = "quarto-xref" }))
        end
      end
      return out
    end,
  })
end

local function callout(div)
  local kind
  for _, c in ipairs(div.classes) do
    kind = kind or c:match("^callout%-(%a+)$")
  end
  if not kind then return nil end
  local body = div.content
  local title
  if div.attributes.title then
    title = pandoc.Inlines(pandoc.read(div.attributes.title, "markdown").blocks[1].content)
  elseif #body > 0 and body[1].t == "Header" then
    title = body[1].content
    body = pandoc.Blocks({ table.unpack(body, 2) })
  else
    title = pandoc.Inlines({ pandoc.Str(CALLOUT_TITLE[kind]) })
  end
  if is_typst then
    -- Quarto's call (customnodes/callout.lua); the icon is left to the template
    local colours = CALLOUT_COLOURS[kind]
    local out = pandoc.Blocks({ pandoc.RawBlock("typst", "#block[\n#callout(\nbody: \n[") })
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]\n, \ntitle: \n[\n" .. typst_inlines(title) ..
      '\n]\n, \nbackground_color: \nrgb("#' .. colours[1] .. '")\n, \nicon_color: \nrgb("#' ..
      colours[2] .. '")\n, \nicon: \nnone\n, \nbody_background_color: \nwhite\n)\n]'))
    return out
  end
  -- as Quarto: the kind ("Note") for screen readers before a title of the author's own
  local label = pandoc.Span({ pandoc.Str(CALLOUT_TITLE[kind]) }, { class = "screen-reader-only" })
  local header = pandoc.Div({
    pandoc.Div({ pandoc.Plain(pandoc.Inlines({ label }) .. title) }, { class = "callout-title-container" }),
  }, { class = "callout-header" })
  local inner = pandoc.Div(body, { class = "callout-body-container callout-body" })
  -- attributes as an ordered list: a Lua table's key order would vary between runs
  return pandoc.Div({ header, inner }, pandoc.Attr("",
    { "callout", "callout-style-default", "callout-" .. kind, "callout-titled" },
    { { "role", "note" }, { "aria-label", pandoc.utils.stringify(title) } }))
end

-- Quarto shifts headings up by one level in Typst output when a document has
-- no level-1 heading (format-typst.ts), so "##" sections are numbered 1, 2, ...
local function shift_headings(blocks)
  local has_l1 = false
  blocks:walk({ Header = function(h) if h.level == 1 then has_l1 = true end end })
  if has_l1 then return blocks end
  return blocks:walk({ Header = function(h) h.level = h.level - 1; return h end })
end

-- Alt text: fig-alt on an image, in a numbered figure or not, replaces the
-- caption-derived alt (Quarto writes it on every <img>); in HTML a figure's
-- image without fig-alt gets an empty alt, as Quarto writes it (the
-- figcaption describes it), not the caption repeated.
local function fig_alt(blocks)
  if is_typst then
    -- as Quarto 1.10 (layout/pandoc3_figure.lua): a figure's image never takes
    -- its alt text from the caption, which Typst prints beside it anyway
    blocks = blocks:walk({
      Figure = function(f)
        f.content = f.content:walk({
          Image = function(img) img.attributes["_no_caption_alt"] = "1"; return img end,
        })
        return f
      end,
    })
  else
    blocks = blocks:walk({
      Figure = function(f)
        f.content = f.content:walk({
          Image = function(img)
            if not img.attributes["fig-alt"] then img.caption = {}; return img end
          end,
        })
        return f
      end,
    })
  end
  return blocks:walk({
    Image = function(img)
      local alt = img.attributes["fig-alt"]
      if alt then
        img.attributes["fig-alt"] = nil
        img.caption = { pandoc.Str(alt) }
        if is_typst then img.attributes["alt"] = alt end
        return img
      end
    end,
  })
end

-- As Quarto 1.10 (quarto-post/typst.lua): pandoc's Typst writer leaves alt text
-- out of image(), so an image with alt text (fig-alt, alt, or the caption of an
-- image that is not a figure) is written as raw #box(image(src, alt: ...)).
-- The image file is put where Typst looks (beside the .typ, under media/ when
-- it lives elsewhere), since pandoc extracts only the images it writes itself.
local function typst_path(src)
  local here = io.open(src, "rb")
  if here then here:close(); return src end
  local _, contents = pandoc.mediabag.fetch(src)
  local rel = pandoc.path.normalize(src)
  if pandoc.path.is_absolute(rel) or rel:match("^%.%.") then
    rel = pandoc.sha1(src) .. select(2, pandoc.path.split_extension(src))
  end
  local dest = pandoc.path.join({ "media", rel })
  pandoc.system.make_directory(pandoc.path.directory(dest), true)
  local fh = assert(io.open(dest, "wb"))
  fh:write(contents)
  fh:close()
  return dest
end

local function typst_image_alt(blocks)
  return blocks:walk({
    Image = function(img)
      local alt = img.attributes["alt"]
      local no_caption_alt = img.attributes["_no_caption_alt"]
      img.attributes["_no_caption_alt"] = nil
      if (alt == nil or alt == "") and #img.caption > 0 and not no_caption_alt then
        alt = pandoc.utils.stringify(img.caption)
      end
      if alt and #alt > 0 then
        local params = { '"' .. typst_path(img.src):gsub("\\", "/") .. '"',
          'alt: "' .. alt:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"' }
        if img.attributes["height"] then table.insert(params, "height: " .. img.attributes["height"]) end
        if img.attributes["width"] then table.insert(params, "width: " .. img.attributes["width"]) end
        return pandoc.RawInline("typst", "#box(image(" .. table.concat(params, ", ") .. "))")
      end
      if no_caption_alt then img.caption = pandoc.Inlines({}) end
      return img
    end,
  })
end

-- As Quarto's HTML: a document that cites but has no #refs div gets its
-- reference list at the end under a "References" heading.
local function references_heading(blocks, meta)
  if is_typst or not (meta.bibliography or meta.references) then return blocks end
  local cites, has_refs = false, false
  blocks:walk({
    Cite = function() cites = true end,
    Div = function(d) if d.identifier == "refs" then has_refs = true end end,
  })
  if not cites or has_refs then return blocks end
  blocks:insert(pandoc.Header(2, { pandoc.Str("References") },
    pandoc.Attr("", { "unnumbered", "quarto-appendix-heading" })))
  blocks:insert(pandoc.Div({}, pandoc.Attr("refs")))
  return blocks
end

-- Slide constructs (speaker notes, columns) belong to revealjs; pandoc would
-- print notes as ordinary text in any other format. Callouts are styled by the
-- offline renderer's HTML and Typst templates only, not in its slides.
local SLIDE_ONLY = { notes = "speaker notes", columns = "columns", column = "a column" }
local function check_format_constructs(blocks)
  blocks:walk({
    Div = function(d)
      for _, c in ipairs(d.classes) do
        if SLIDE_ONLY[c] and not is_reveal then
          fail(SLIDE_ONLY[c] .. " (::: {." .. c .. "}) belong to slides: give the document "
            .. "format: revealjs, or remove the div", "div class '." .. c .. "'")
        end
        if is_reveal and c:match("^callout%-") then
          fail("the offline renderer draws callouts in html and typst, not in slides",
            "div class '." .. c .. "'")
        end
      end
    end,
  })
end

function Pandoc(doc)
  check_no_remote(doc.blocks)
  check_format_constructs(doc.blocks)
  local blocks = fig_alt(doc.blocks)
  if is_typst then blocks = shift_headings(blocks) end
  -- callouts first: a heading that opens a callout is its title, not a section
  blocks = blocks:walk({ Div = callout })
  blocks = number_things(blocks)
  blocks = resolve_refs(blocks)
  blocks = references_heading(blocks, doc.meta)
  if is_typst then
    -- Citations are resolved here, before tables become raw Typst (which
    -- citeproc could no longer see); the renderer passes no --citeproc for Typst.
    local cited = pandoc.utils.citeproc(pandoc.Pandoc(blocks, doc.meta))
    blocks, doc.meta = cited.blocks, cited.meta
    -- what the bibliography brought in, before any image is fetched or copied
    -- (typst_image_alt below, pandoc's --extract-media after the filter)
    check_cited(blocks)
    blocks = typst_floats(blocks)
    blocks = typst_image_alt(blocks)
  end
  doc.blocks = blocks
  return doc
end
