//! Damaged, truncated, endless and hostile patches of every format: each
//! gives an error or regions inside the file, never a panic or a hang.

use std::io::Read;

use proptest::prelude::*;

use super::tests::{apply, make, read_all};
use super::*;

fn forced(format: Format) -> ReadOptions {
    ReadOptions {
        format: Some(format),
        ..ReadOptions::default()
    }
}

/// An old and a new file that every format can carry, with changes near
/// both ends and a long run.
fn sample() -> (Vec<u8>, Vec<u8>) {
    let old: Vec<u8> = (0..600u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut new = old.clone();
    new[0] ^= 1;
    new[100..400].fill(0x55);
    new[599] ^= 0x80;
    (old, new)
}

/// What every region a reader gives must be, whatever the patch.
fn check_regions(regions: &[Region], size: u64) -> Result<(), TestCaseError> {
    for r in regions {
        prop_assert!(!r.new.is_empty());
        prop_assert!(r.end() <= size, "{} past {size}", r.end());
        if let Some(old) = &r.old {
            prop_assert_eq!(old.len(), r.new.len());
        }
    }
    Ok(())
}

#[test]
fn every_prefix_is_an_error_or_a_patch_that_applies() {
    let (old, new) = sample();
    for format in Format::ALL {
        let patch = make(format, &old, &new).unwrap();
        for cut in 0..patch.len() {
            let read = read_all(&patch[..cut], &old, forced(format));
            match read {
                // A binary format's prefix is never whole: IPS needs its
                // EOF, UPS and BPS their checksums.
                Ok(_) if matches!(format, Format::Ips | Format::Ups | Format::Bps) => {
                    panic!("{format}: the first {cut} bytes read as a whole patch")
                }
                // Text formats and PPF can end at a line or a record:
                // what was read applies, old bytes and all.
                Ok(regions) => {
                    check_regions(&regions, old.len() as u64).unwrap();
                    apply(&old, &regions);
                }
                Err(error) => assert!(!error.reason.is_empty()),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn damaged_patches_are_errors_or_regions_inside_the_file(
        which in 0..Format::ALL.len(),
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
        detect in any::<bool>(),
    ) {
        let (old, new) = sample();
        let format = Format::ALL[which];
        let mut patch = make(format, &old, &new).unwrap();
        for (at, byte, how) in damage {
            let i = at.index(patch.len() + 1);
            match how {
                0 if i < patch.len() => patch[i] = byte,
                1 => patch.insert(i, byte),
                _ if i < patch.len() => { patch.remove(i); }
                _ => patch.push(byte),
            }
        }
        let options = match detect {
            true => ReadOptions::default(),
            false => forced(format),
        };
        if let Ok(regions) = read_all(&patch, &old, options) {
            check_regions(&regions, old.len() as u64)?;
        }
    }

    #[test]
    fn random_bytes_after_a_magic_are_errors_or_regions_inside_the_file(
        which in 0..Format::ALL.len(),
        tail in proptest::collection::vec(any::<u8>(), 0..400),
        size in 0usize..70,
    ) {
        let format = Format::ALL[which];
        let magic: &[u8] = match format {
            Format::Mpatch => b"mpatch patch 1 size 64\n",
            Format::CmpList => b"",
            Format::Ips => b"PATCH",
            Format::Ups => b"UPS1\x80\x80",
            Format::Bps => b"BPS1\xc0\xc0\x80",
            Format::Ppf => b"PPF30\x02",
            Format::X64dbg => b">a.exe\n",
            Format::IdaDif => b"This difference file was created by IDA\n\na\n",
        };
        let old = vec![0u8; size];
        let patch = [magic, &tail].concat();
        if let Ok(regions) = read_all(&patch, &old, forced(format)) {
            check_regions(&regions, old.len() as u64)?;
        }
    }
}

/// A reader over a header followed by `unit` repeated for ever.
fn endless<'a>(header: &'a [u8], unit: &'a [u8]) -> impl Read + 'a {
    header.chain(Endless { unit, at: 0 })
}

struct Endless<'a> {
    unit: &'a [u8],
    at: usize,
}

impl Read for Endless<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for b in buf.iter_mut() {
            *b = self.unit[self.at];
            self.at = (self.at + 1) % self.unit.len();
        }
        Ok(buf.len())
    }
}

/// Endless patches made of valid records are read lazily: the first
/// regions come out without the end ever being reached.
#[test]
fn endless_patches_of_valid_records_are_read_as_they_come() {
    let file = [0u8; 64];
    let source = &file[..];
    let ppf_header = [&b"PPF30\x02"[..], &[b' '; 50], &[0, 0, 0, 0]].concat();
    let ppf_record = [&3u64.to_le_bytes()[..], &[1, b'z']].concat();
    let cases: [(Vec<u8>, Vec<u8>); 4] = [
        (b"PATCH".to_vec(), b"\x00\x00\x01\x00\x01a".to_vec()),
        (ppf_header, ppf_record),
        (b">a.exe\n".to_vec(), b"1:00->01\n2:00->01\n".to_vec()),
        (
            b"This difference file was created by IDA\n\na\n".to_vec(),
            b"1: 00 01\n".to_vec(),
        ),
    ];
    for (header, unit) in cases {
        let mut reader = open(endless(&header, &unit), &source, ReadOptions::default()).unwrap();
        let first = reader.next().unwrap();
        match first {
            // The byte formats refuse the second write of a byte.
            Err(error) => assert!(error.reason.contains("written twice"), "{error}"),
            Ok(region) => {
                assert!(region.end() <= 64);
                assert!(reader.take(1000).all(|r| r.is_ok()));
            }
        }
    }
}

/// Endless patches that never make sense end in an error, not a hang or
/// all the memory.
#[test]
fn endless_nonsense_ends_in_an_error() {
    let file = [0u8; 64];
    let source = &file[..];
    let cases: [(&[u8], &[u8], &str); 7] = [
        (b"mpatch patch 1 size 64\n", b"0", "longer than 1 MiB"),
        (b"", b"1 0 1\n", "ascending order"),
        (b">a.exe\n", b"1", "longer than 4 KiB"),
        (b"UPS1\xc0\xc0", b"\xff", "runs past the end"),
        (b"UPS1\xc0\xc0", b"\x81", "runs past the end"),
        (b"BPS1\xc0\xc0\x80", b"\x80", "checksum does not match"),
        (b"BPS1\xc0\xc0\xff", b"\x01", "larger than 2^64"),
    ];
    for (header, unit, reason) in cases {
        let reader = open(endless(header, unit), &source, ReadOptions::default());
        let error = reader
            .and_then(|r| r.collect::<Result<Vec<_>, _>>())
            .unwrap_err();
        assert!(error.reason.contains(reason), "{header:?}: {error}");
    }
}

/// Numbers at the edges of their types: offsets near 2^64, counts and
/// lengths far past the patch.
#[test]
fn hostile_numbers_are_errors() {
    let file = vec![0u8; 16];
    let mut ups = b"UPS1\x90\x90".to_vec();
    input::push_varint(&mut ups, u64::MAX);
    let mut bps = b"BPS1\x90\x90\x80".to_vec();
    input::push_varint(&mut bps, (15 << 2) | 2);
    input::push_varint(&mut bps, (u64::MAX >> 1) << 1);
    let mut bps_ahead = b"BPS1\x90\x90\x80".to_vec();
    input::push_varint(&mut bps_ahead, 3);
    input::push_varint(&mut bps_ahead, (u64::MAX >> 1) << 1);
    let mut bps_back = b"BPS1\x90\x90\x80".to_vec();
    input::push_varint(&mut bps_back, 3);
    input::push_varint(&mut bps_back, u64::MAX);
    let mut bps_meta = b"BPS1\x90\x90".to_vec();
    input::push_varint(&mut bps_meta, u64::MAX);
    let cases: [(Vec<u8>, &str); 8] = [
        (ups, "runs past the end"),
        (bps, "reads past the end of the source"),
        (bps_ahead, "from bytes not yet written"),
        (bps_back, "from before the start of the file"),
        (bps_meta, "truncated"),
        (
            b"PATCH\xff\xff\xff\xff\xffEOF".to_vec(),
            "runs past the end",
        ),
        (
            b"mpatch patch 1 size 16\n18446744073709551615 aa bb\n".to_vec(),
            "2^64",
        ),
        (
            b">a\nFFFFFFFFFFFFFFFF:00->01\n".to_vec(),
            "runs past the end",
        ),
    ];
    for (patch, reason) in cases {
        let error = read_all(&patch, &file, ReadOptions::default()).unwrap_err();
        assert!(error.reason.contains(reason), "{patch:?}: {error}");
    }
}
