//! Where a JSON pointer's value starts in JSON text, as a 1-based line: the
//! editor jumps there and marks the gutter for a schema problem. The text is
//! walked as JSON (strings, escapes, arrays by index), so a problem inside an
//! array lands on its element's line, not on the array's.

/// The line of `pointer`'s value in `text`, or of its nearest ancestor that
/// exists (line 1 for the root, or for text that is not JSON).
pub fn line_of_pointer(text: &str, pointer: &str) -> usize {
    let target: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut walker = Walker {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        nearest: 1,
    };
    walker.find(&target);
    walker.nearest
}

struct Walker<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    /// The line of the deepest part of the pointer found so far.
    nearest: usize,
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.bump();
        }
    }

    /// At a value: true once the value `rest` points to (from here) is found.
    fn find(&mut self, rest: &[String]) -> bool {
        self.skip_space();
        self.nearest = self.line;
        let Some(part) = rest.first() else {
            return true;
        };
        match self.peek() {
            Some(b'{') => {
                self.bump();
                loop {
                    self.skip_space();
                    if self.peek() != Some(b'"') {
                        return false;
                    }
                    let key = self.string();
                    self.skip_space();
                    if self.bump() != Some(b':') {
                        return false;
                    }
                    if key.as_deref() == Some(part.as_str()) {
                        return self.find(&rest[1..]);
                    }
                    if !self.skip_value() || !self.next_item(b'}') {
                        return false;
                    }
                }
            }
            Some(b'[') => {
                self.bump();
                let Ok(wanted) = part.parse::<usize>() else {
                    return false;
                };
                for index in 0.. {
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        return false;
                    }
                    if index == wanted {
                        return self.find(&rest[1..]);
                    }
                    if !self.skip_value() || !self.next_item(b']') {
                        return false;
                    }
                }
                false
            }
            _ => false,
        }
    }

    /// After a member or element: true at a `,` (consumed), false at the end.
    fn next_item(&mut self, close: u8) -> bool {
        self.skip_space();
        match self.bump() {
            Some(b',') => true,
            Some(c) if c == close => false,
            _ => false,
        }
    }

    /// A string's content (escapes kept as written but for `\"` and `\\`).
    fn string(&mut self) -> Option<String> {
        self.bump();
        let mut out = Vec::new();
        loop {
            match self.bump()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => out.push(self.bump()?),
                b => out.push(b),
            }
        }
    }

    fn skip_value(&mut self) -> bool {
        self.skip_space();
        match self.peek() {
            Some(b'"') => self.string().is_some(),
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.bump();
                loop {
                    self.skip_space();
                    match self.peek() {
                        None => return false,
                        Some(c) if c == close => {
                            self.bump();
                            return true;
                        }
                        Some(b',' | b':') => {
                            self.bump();
                        }
                        Some(_) => {
                            if !self.skip_value() {
                                return false;
                            }
                        }
                    }
                }
            }
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.bump();
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{
  "a": {
    "b": 1,
    "c": {
      "d": [
        {"x": 1},
        {
          "x": "with \"quotes\" and a / slash",
          "y/z": 2
        }
      ]
    }
  },
  "list": [10, 20,
    30]
}"#;

    #[test]
    fn pointers_land_on_their_values_line_inside_arrays_too() {
        assert_eq!(line_of_pointer(TEXT, ""), 1);
        assert_eq!(line_of_pointer(TEXT, "/a/c/d"), 5);
        assert_eq!(line_of_pointer(TEXT, "/a/c/d/0"), 6);
        assert_eq!(line_of_pointer(TEXT, "/a/c/d/1"), 7);
        assert_eq!(line_of_pointer(TEXT, "/a/c/d/1/x"), 8);
        assert_eq!(line_of_pointer(TEXT, "/a/c/d/1/y~1z"), 9);
        assert_eq!(line_of_pointer(TEXT, "/list/2"), 15);
    }

    #[test]
    fn a_missing_place_lands_on_its_nearest_ancestor() {
        assert_eq!(line_of_pointer(TEXT, "/a/zz"), 2);
        assert_eq!(line_of_pointer(TEXT, "/a/c/d/7/x"), 5);
        assert_eq!(line_of_pointer("not json", "/a"), 1);
        assert_eq!(line_of_pointer("{\"a\": [1,", "/a/5"), 1);
    }
}
