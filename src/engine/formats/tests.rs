//! Round trips of every format (write, read, apply, reverse), hand-made
//! patches laid out as the formats' specs say, and the writers' refusals.

use proptest::prelude::*;

use super::*;
use crate::engine::patchfile;

/// Applies regions in order to a copy of `file`, checking old bytes where
/// the region has them, as apply would after its checks.
pub(super) fn apply(file: &[u8], regions: &[Region]) -> Vec<u8> {
    let mut out = file.to_vec();
    for r in regions {
        let range = r.offset as usize..r.end() as usize;
        if let Some(old) = &r.old {
            assert_eq!(&file[range.clone()], &old[..], "old bytes at {}", r.offset);
        }
        out[range].copy_from_slice(&r.new);
    }
    out
}

/// Reads a whole patch against `file`.
pub(super) fn read_all(
    patch: &[u8],
    file: &[u8],
    options: ReadOptions,
) -> Result<Vec<Region>, FormatError> {
    let source = file;
    open(patch, &source, options)?.collect()
}

fn forced(format: Format) -> ReadOptions {
    ReadOptions {
        format: Some(format),
        ..ReadOptions::default()
    }
}

/// The changed regions of `old` against `new`, as `mpatch diff` finds
/// them (a few equal bytes may sit inside one).
pub(super) fn diff_regions(old: &[u8], new: &[u8]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    patchfile::changed_regions(old, new, 0, old.len(), usize::MAX, &mut found);
    found
}

/// Writes the patch from `old` to `new` in `format`.
pub(super) fn make(format: Format, old: &[u8], new: &[u8]) -> Result<Vec<u8>, WriteError> {
    let regions = diff_regions(old, new);
    let source = old;
    let options = WriteOptions {
        format,
        old: &source,
        crcs: Some(FileCrcs {
            old: crc32_of(&source).unwrap(),
            new: crc32_of(&new).unwrap(),
        }),
        name: "app.exe",
    };
    let mut patch = Vec::new();
    write(
        &mut patch,
        &options,
        regions
            .iter()
            .map(|&(s, e)| (s as u64, &old[s..e], &new[s..e])),
    )?;
    Ok(patch)
}

fn check_round_trip(format: Format, old: &[u8], new: &[u8]) -> Result<(), TestCaseError> {
    let patch = make(format, old, new).unwrap();
    let sniffed = Format::detect(&patch[..patch.len().min(SNIFF)]);
    if old == new && format == Format::CmpList {
        // cmp -l prints nothing for equal files, and nothing is no patch.
        prop_assert!(read_all(&patch, old, forced(format)).is_err());
        return Ok(());
    }
    prop_assert_eq!(sniffed, format);
    let regions = read_all(&patch, old, ReadOptions::default())
        .map_err(|e| TestCaseError::fail(format!("{format}: {e}")))?;
    prop_assert_eq!(apply(old, &regions), new.to_vec(), "{}", format);
    if format.reversible() {
        let back = ReadOptions {
            reverse: true,
            ..ReadOptions::default()
        };
        let regions = read_all(&patch, new, back)
            .map_err(|e| TestCaseError::fail(format!("{format} reversed: {e}")))?;
        prop_assert_eq!(apply(new, &regions), old.to_vec(), "{} reversed", format);
    }
    if matches!(format, Format::Ups | Format::Bps) && old != new {
        let error = read_all(&patch, new, ReadOptions::default()).unwrap_err();
        prop_assert_eq!(error.kind, ErrorKind::AlreadyApplied, "{}", error);
    }
    Ok(())
}

fn edited() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        proptest::collection::vec(0u8..4, 0..3000),
        proptest::collection::vec((0usize..3000, 0usize..300, any::<u8>()), 0..12),
        any::<bool>(),
    )
        .prop_map(|(old, edits, dense)| {
            let mut new = old.clone();
            for (at, len, byte) in edits {
                let at = at.min(new.len());
                let end = (at + len).min(new.len());
                new[at..end].iter_mut().for_each(|b| *b = byte);
            }
            if dense {
                new.iter_mut()
                    .step_by(3)
                    .for_each(|b| *b = b.wrapping_add(1));
            }
            (old, new)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_format_round_trips((old, new) in edited()) {
        for format in Format::ALL {
            check_round_trip(format, &old, &new)?;
        }
    }
}

#[test]
fn equal_and_empty_files_round_trip() {
    for format in Format::ALL {
        for file in [&b""[..], b"same"] {
            check_round_trip(format, file, file).unwrap();
        }
        check_round_trip(format, b"a", b"b").unwrap();
    }
}

#[test]
fn names_and_magic() {
    for format in Format::ALL {
        assert_eq!(Format::from_name(format.name()), Some(format));
    }
    assert_eq!(Format::from_name("IPS"), Some(Format::Ips));
    assert_eq!(Format::from_name("zip"), None);
    let cases: [(&[u8], Format); 10] = [
        (b"PATCHEOF", Format::Ips),
        (b"UPS1", Format::Ups),
        (b"BPS1", Format::Bps),
        (b"PPF30\x02", Format::Ppf),
        (b">app.exe\n", Format::X64dbg),
        (b"This difference file was created by IDA\n", Format::IdaDif),
        (b"# made by hand\n\nmpatch patch 1 size 3\n", Format::Mpatch),
        (b"     1 141 142\n", Format::CmpList),
        (b"# only comments", Format::Mpatch),
        (b"", Format::Mpatch),
    ];
    for (first, format) in cases {
        assert_eq!(Format::detect(first), format, "{first:?}");
    }
    assert!(!Format::Ips.reversible());
    assert_eq!(
        Format::Ips.reverse_refusal().unwrap(),
        "IPS patches carry no old bytes, so cannot be reversed (make the patch the other way: mpatch diff NEW OLD)"
    );
    let reverse = ReadOptions {
        reverse: true,
        ..ReadOptions::default()
    };
    for format in [Format::Ips, Format::Bps] {
        let patch = make(format, b"ab", b"ac").unwrap();
        let error = read_all(&patch, b"ab", reverse).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Unsupported);
        assert!(error.reason.contains("cannot be reversed"), "{error}");
    }
}

#[test]
fn comments_then_cmp_lines_are_cmp() {
    let regions = read_all(
        b"# note\n1 141 142\n2 142 143\n",
        b"abc",
        ReadOptions::default(),
    );
    let regions = regions.unwrap();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0].new, b"bc");
    let error = read_all(b"1 141 142\n", b"abc", forced(Format::Mpatch)).unwrap_err();
    assert_eq!(error.reason, "line 1: has no mpatch header");
    let error = read_all(b"mpatch patch 1 size 4\n", b"abc", ReadOptions::default());
    assert_eq!(error.unwrap_err().kind, ErrorKind::WrongSize);
    let any = ReadOptions {
        any_size: true,
        ..ReadOptions::default()
    };
    let patch = b"mpatch patch 1 size 4\n1 62 7a\n";
    assert_eq!(read_all(patch, b"abc", any).unwrap()[0].new, b"z");
    let error = read_all(
        b"mpatch patch 1 size 3\n3 62 7a\n",
        b"abc",
        ReadOptions::default(),
    );
    assert_eq!(error.unwrap_err().kind, ErrorKind::SizeChange);
}

/// A UPS patch laid out by hand from byuu's description.
#[test]
fn a_hand_made_ups_patch() {
    let old = b"Hello, world";
    let new = b"Jello, World";
    let mut patch = b"UPS1".to_vec();
    patch.extend([0x80 | 12, 0x80 | 12]);
    // Skip 0, XOR 'H'^'J', close (covers 'e'); skip 5 ("llo, "), XOR
    // 'w'^'W', close (covers 'o').
    patch.extend([0x80, b'H' ^ b'J', 0]);
    patch.extend([0x80 | 5, b'w' ^ b'W', 0]);
    patch.extend(crc32fast::hash(old).to_le_bytes());
    patch.extend(crc32fast::hash(new).to_le_bytes());
    let own = crc32fast::hash(&patch);
    patch.extend(own.to_le_bytes());
    assert_eq!(make(Format::Ups, old, new).unwrap(), patch);
    let source = &old[..];
    let mut reader = open(&patch[..], &source, ReadOptions::default()).unwrap();
    let regions: Vec<Region> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(apply(old, &regions), new);
    let checksums = reader.checksums().unwrap();
    assert_eq!(checksums.file, crc32fast::hash(old));
    assert_eq!(checksums.result, crc32fast::hash(new));
    let mut damaged = patch.clone();
    damaged[7] ^= 1;
    let error = read_all(&damaged, old, ReadOptions::default()).unwrap_err();
    assert_eq!(
        error.reason,
        "the UPS patch's own checksum does not match: the patch is damaged"
    );
    let error = read_all(&patch, b"Hello, there", ReadOptions::default()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::WrongFile);
    assert!(error.reason.starts_with("the file's CRC32 is "), "{error}");
    let mut longer = b"UPS1".to_vec();
    longer.extend([0x80 | 12, 0x80 | 13]);
    let error = read_all(&longer, old, ReadOptions::default()).unwrap_err();
    assert_eq!(
        error.reason,
        "the patch would change the file's size from 12 to 13 bytes"
    );
    let error = read_all(&patch, b"Hello", ReadOptions::default()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::WrongSize);
}

/// Builds a BPS patch from its actions, with its three CRCs.
fn bps(size: u64, actions: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut patch = b"BPS1".to_vec();
    input::push_varint(&mut patch, size);
    input::push_varint(&mut patch, size);
    input::push_varint(&mut patch, 4);
    patch.extend(b"meta");
    patch.extend(actions);
    patch.extend(crc32fast::hash(old).to_le_bytes());
    patch.extend(crc32fast::hash(new).to_le_bytes());
    let own = crc32fast::hash(&patch);
    patch.extend(own.to_le_bytes());
    patch
}

fn varints(values: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    values.iter().for_each(|&v| input::push_varint(&mut out, v));
    out
}

/// Every BPS action, with copies that move back and overlap their output.
#[test]
fn a_hand_made_bps_patch_with_every_action() {
    let old = b"abcdefghij";
    // SourceRead 2 ("ab"), TargetRead 1 ("X"), SourceCopy 3 from 7
    // ("hij"), TargetCopy 3 from 2 ("Xhi"), SourceCopy 1 from 0 (moved
    // back 10 from 10: "a").
    let new = b"abXhijXhia";
    let actions = [
        varints(&[(2 - 1) << 2]),
        varints(&[1]),
        b"X".to_vec(),
        varints(&[((3 - 1) << 2) | 2, 7 << 1]),
        varints(&[((3 - 1) << 2) | 3, 2 << 1]),
        varints(&[2, (10 << 1) | 1]),
    ]
    .concat();
    let patch = bps(10, &actions, old, new);
    let reader_source = &old[..];
    let mut reader = open(&patch[..], &reader_source, ReadOptions::default()).unwrap();
    assert_eq!(reader.header().name.as_deref(), Some("meta"));
    let regions: Vec<Region> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(apply(old, &regions), new);
    let crcs = Checksums {
        file: crc32fast::hash(old),
        result: crc32fast::hash(new),
    };
    assert_eq!(reader.checksums(), Some(crcs));
    // Only the bytes that differ from the source come back.
    assert!(regions.iter().all(|r| {
        let old_bytes = &old[r.offset as usize..r.end() as usize];
        old_bytes.iter().zip(&r.new).all(|(a, b)| a != b)
    }));
    // A run: one byte, then a target copy of it 5000 times.
    let old = vec![7u8; 5001];
    let mut new = vec![9u8; 5001];
    new[0] = 9;
    let actions = [varints(&[1]), vec![9], varints(&[((5000 - 1) << 2) | 3, 0])].concat();
    let patch = bps(5001, &actions, &old, &new);
    let regions = read_all(&patch, &old, ReadOptions::default()).unwrap();
    assert_eq!(apply(&old, &regions), new);
    assert!(regions.iter().all(|r| r.new.len() <= MAX_REGION));
}

#[test]
fn damaged_bps_copies_are_errors() {
    let old = b"abcd";
    let cases: [(Vec<u8>, &str); 4] = [
        (
            varints(&[((2 - 1) << 2) | 2, 3 << 1]),
            "source copy at byte 11 reads past the end",
        ),
        (
            varints(&[2, 1 << 1 | 1]),
            "source copy at byte 11 reads from before the start",
        ),
        (
            varints(&[3, 0]),
            "target copy at byte 11 reads from bytes not yet written",
        ),
        (
            varints(&[(8 - 1) << 2]),
            "writes 8 bytes at offset 0, past the end",
        ),
    ];
    for (actions, reason) in cases {
        let patch = bps(4, &actions, old, old);
        let error = read_all(&patch, old, ReadOptions::default()).unwrap_err();
        assert!(error.reason.contains(reason), "{error}");
        assert_eq!(error.kind, ErrorKind::Corrupt);
    }
    let mut trailing = bps(4, &varints(&[(4 - 1) << 2]), old, old);
    assert!(read_all(&trailing, old, ReadOptions::default()).is_ok());
    trailing.push(0);
    let error = read_all(&trailing, old, ReadOptions::default()).unwrap_err();
    assert!(error.reason.contains("goes on after"), "{error}");
}

/// A PPF 3.0 header as ApplyPPF reads it.
fn ppf_header(image: u8, check: bool, undo: bool) -> Vec<u8> {
    let mut head = b"PPF30\x02".to_vec();
    head.extend(format!("{:<50}", "a test patch").bytes());
    head.extend([image, check as u8, undo as u8, 0]);
    head
}

fn ppf_record(offset: u64, new: &[u8], old: Option<&[u8]>) -> Vec<u8> {
    let mut out = offset.to_le_bytes().to_vec();
    out.push(new.len() as u8);
    out.extend(new);
    out.extend(old.unwrap_or_default());
    out
}

#[test]
fn a_hand_made_ppf_patch_with_block_check_and_note() {
    let mut old: Vec<u8> = (0..0xA000u32).map(|i| (i % 251) as u8).collect();
    old[5] = 0;
    let mut patch = ppf_header(0, true, true);
    assert_eq!(patch.len(), 60);
    patch.extend(&old[0x9320..0x9320 + 1024]);
    patch.extend(ppf_record(5, b"xy", Some(&old[5..7])));
    patch.extend(ppf_record(0x9000, b"z", Some(&old[0x9000..0x9001])));
    let diz = b"made by hand\r\n";
    patch.extend(b"@BEGIN_FILE_ID.DIZ");
    patch.extend(diz);
    patch.extend(b"@END_FILE_ID.DIZ");
    patch.extend((diz.len() as u16).to_le_bytes());
    let source = &old[..];
    let reader = open(&patch[..], &source, ReadOptions::default()).unwrap();
    assert_eq!(reader.format(), Format::Ppf);
    assert_eq!(reader.header().name.as_deref(), Some("a test patch"));
    let regions: Vec<Region> = reader.map(Result::unwrap).collect();
    let new = apply(&old, &regions);
    assert_eq!(&new[5..7], b"xy");
    assert_eq!(new[0x9000], b'z');
    let back = ReadOptions {
        reverse: true,
        ..ReadOptions::default()
    };
    let undone = read_all(&patch, &new, back).unwrap();
    assert_eq!(apply(&new, &undone), old);
    // The block check: another file, or one too short, is refused.
    let mut other = old.clone();
    other[0x9321] ^= 1;
    let error = read_all(&patch, &other, ReadOptions::default()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::WrongFile);
    assert!(error.reason.contains("offset 0x9320"), "{error}");
    let error = read_all(&patch, &old[..0x9400], ReadOptions::default()).unwrap_err();
    assert!(
        error.reason.contains("past the end of the 37888-byte file"),
        "{error}"
    );
    // GI images are checked at 0x80A0.
    let mut gi = ppf_header(1, true, false);
    gi.extend(&old[0x80A0..0x80A0 + 1024]);
    gi.extend(ppf_record(1, b"q", None));
    let regions = read_all(&gi, &old, ReadOptions::default()).unwrap();
    assert_eq!((regions[0].offset, regions[0].old.clone()), (1, None));
    let error = read_all(&gi, &old, back).unwrap_err();
    assert_eq!(
        error.reason,
        "the PPF patch has no undo data, so cannot be reversed"
    );
    // A note that never closes, and one that runs on.
    let cut = patch.len() - 20;
    let error = read_all(&patch[..cut], &old, ReadOptions::default()).unwrap_err();
    assert!(error.reason.contains("has no @END_FILE_ID.DIZ"), "{error}");
    let mut endless = ppf_header(0, false, false);
    endless.extend(b"@BEGIN_FILE_ID.DIZ");
    endless.extend(vec![b'.'; 70_000]);
    let error = read_all(&endless, &old, ReadOptions::default()).unwrap_err();
    assert!(error.reason.contains("runs on past 64 KiB"), "{error}");
}

#[test]
fn ppf_records_are_checked() {
    let old = vec![0u8; 64];
    let header = ppf_header(0, false, true);
    let cases: [(Vec<u8>, ErrorKind, &str); 5] = [
        (
            ppf_record(u64::MAX - 1, b"ab", Some(b"\0\0")),
            ErrorKind::SizeChange,
            "runs past the end of the 64-byte file",
        ),
        (
            [
                ppf_record(1, b"ab", Some(b"\0\0")),
                ppf_record(2, b"c", Some(b"\0")),
            ]
            .concat(),
            ErrorKind::Corrupt,
            "overlaps an earlier one",
        ),
        (
            ppf_record(1, b"ab", Some(b"\0")),
            ErrorKind::Corrupt,
            "truncated",
        ),
        (vec![1, 2, 3], ErrorKind::Corrupt, "truncated"),
        (
            b"@BEGIN_FILE_ID.DIZ text".to_vec(),
            ErrorKind::Corrupt,
            "has no @END_FILE_ID.DIZ",
        ),
    ];
    for (records, kind, reason) in cases {
        let patch = [header.clone(), records].concat();
        let error = read_all(&patch, &old, ReadOptions::default()).unwrap_err();
        assert_eq!(error.kind, kind, "{error}");
        assert!(error.reason.contains(reason), "{error}");
    }
    let error = read_all(b"PPF20\x01", &old, ReadOptions::default()).unwrap_err();
    assert!(error.reason.contains("truncated"), "{error}");
    let mut v2 = b"PPF20\x01".to_vec();
    v2.resize(60, b' ');
    let error = read_all(&v2, &old, ReadOptions::default()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unsupported);
    assert_eq!(
        error.reason,
        "is a PPF20 patch; mpatch reads PPF 3.0 (PPF30) only"
    );
    // Without undo data a byte may be written twice: the last write wins.
    let mut plain = ppf_header(0, false, false);
    plain.extend(ppf_record(1, b"ab", None));
    plain.extend(ppf_record(2, b"c", None));
    let regions = read_all(&plain, &old, ReadOptions::default()).unwrap();
    assert_eq!(&apply(&old, &regions)[..4], b"\0ac\0");
}

#[test]
fn an_empty_ppf_patch_has_one_empty_record() {
    let patch = make(Format::Ppf, b"same", b"same").unwrap();
    assert_eq!(patch.len(), 60 + 9);
    assert!(
        read_all(&patch, b"same", ReadOptions::default())
            .unwrap()
            .is_empty()
    );
}

/// A record cannot start at 0x454F46 ("EOF"): it starts a byte earlier,
/// with that byte as the new file has it.
#[test]
fn ips_never_starts_a_record_at_eof() {
    let at = ips::EOF_OFFSET as usize;
    let old: Vec<u8> = (0..at + 70_100).map(|i| (i % 7) as u8).collect();
    // (start, length) of changed stretches: one at the offset, one just
    // before it too, one longer than a record, one whose second record
    // would start there.
    let cases: [&[(usize, usize)]; 4] = [
        &[(at, 3)],
        &[(at - 1, 1), (at, 3)],
        &[(at, 70_000)],
        &[(at - 0xFFFF, 70_000)],
    ];
    for stretches in cases {
        let mut new = old.clone();
        for &(start, len) in stretches {
            new[start..start + len].fill(0xAA + (start % 2) as u8);
        }
        let source = &old[..];
        let options = WriteOptions {
            format: Format::Ips,
            old: &source,
            crcs: None,
            name: "",
        };
        let mut patch = Vec::new();
        let regions = stretches
            .iter()
            .map(|&(s, len)| (s as u64, &old[s..s + len], &new[s..s + len]));
        write(&mut patch, &options, regions).unwrap();
        assert_eq!(patch.windows(3).filter(|w| *w == b"EOF").count(), 1);
        assert!(patch.ends_with(b"EOF"));
        let read = read_all(&patch, &old, ReadOptions::default()).unwrap();
        assert_eq!(apply(&old, &read), new, "{stretches:?}");
    }
}

/// A region as the writers take it.
type WrittenRegion<'r> = (u64, &'r [u8], &'r [u8]);

#[test]
fn writers_refuse_what_their_format_cannot_hold() {
    let old = vec![0u8; 0x100_0010];
    let mut new = old.clone();
    new[0x100_0001] = 1;
    let error = make(Format::Ips, &old, &new).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("offset 0x1000001 does not fit IPS's 24 bits"),
        "{error}"
    );
    let source = &b"abcd"[..];
    let mut options = WriteOptions {
        format: Format::Ups,
        old: &source,
        crcs: None,
        name: "",
    };
    let cases: [(Format, Vec<WrittenRegion>, &str); 6] = [
        (Format::Ups, vec![(0, b"a", b"b")], "needs the CRC32s"),
        (Format::Bps, vec![(0, b"a", b"b")], "needs the CRC32s"),
        (Format::X64dbg, vec![], "module name must be one line"),
        (
            Format::Mpatch,
            vec![(2, b"c", b"x"), (1, b"b", b"x")],
            "overlaps or comes before",
        ),
        (
            Format::Mpatch,
            vec![(3, b"de", b"xx")],
            "runs past the end of the 4-byte file",
        ),
        (
            Format::Mpatch,
            vec![(0, b"a", b"xy")],
            "has 1 old bytes and 2 new",
        ),
    ];
    for (format, regions, reason) in cases {
        options.format = format;
        let error = write(Vec::new(), &options, regions).unwrap_err();
        assert!(error.to_string().contains(reason), "{format}: {error}");
    }
}
