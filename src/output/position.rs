//! Byte offsets to 1-based lines and columns (columns count characters).

/// Characters are counted from a checkpoint every this many bytes: a column on a long line (a
/// minified policy is one) costs at most this much, not the whole line before it.
const CHECKPOINT: usize = 1024;

pub struct LineIndex {
    starts: Vec<usize>,
    /// `chars[k]`: characters in the first `k * CHECKPOINT` bytes.
    chars: Vec<usize>,
}

/// Characters in `bytes` (of UTF-8 text): the bytes that do not continue a character.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut chars = Vec::with_capacity(text.len() / CHECKPOINT + 1);
        let mut n = 0;
        chars.push(0);
        for chunk in text.as_bytes().chunks(CHECKPOINT) {
            n += count_chars(chunk);
            chars.push(n);
        }
        LineIndex { starts, chars }
    }

    /// Characters in `text[..offset]` (offset on a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let k = offset / CHECKPOINT;
        self.chars[k] + count_chars(&text.as_bytes()[k * CHECKPOINT..offset])
    }

    /// The text of 1-based `line`, without its line break (`str::lines`'s reading).
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).map_or(text.len(), |&e| e - 1);
        let l = &text[start..end.max(start)];
        l.strip_suffix('\r').unwrap_or(l)
    }

    /// (line, column), both 1-based.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = self.chars_before(text, offset) - self.chars_before(text, start);
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_on_long_lines() {
        let text = format!("{}\n{}x", "é".repeat(3000), "ab€".repeat(1000));
        let index = LineIndex::new(&text);
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = (
                text[..offset].matches('\n').count() + 1,
                text[line_start..offset].chars().count() + 1,
            );
            assert_eq!(index.position(&text, offset), expected, "offset {offset}");
        }
        for t in ["a\r\nb\n\nc", "x", "", "a\n", "\n\n"] {
            let index = LineIndex::new(t);
            for (i, l) in t.lines().enumerate() {
                assert_eq!(index.line_text(t, i + 1), l, "{t:?} line {}", i + 1);
            }
        }
    }
}
