
use builtin;
use str;

set edit:completion:arg-completer[mpatch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mpatch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mpatch'= {
            cand --generate 'Print a man page (man, man-COMMAND) or a shell''s completions (bash, zsh, fish, elvish, powershell)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand find 'Print the byte offset of every match of PATTERN'
            cand replace 'Replace every match of PATTERN with a REPLACEMENT of the same length, in place'
            cand peek 'Show bytes at an offset'
            cand poke 'Write bytes at an offset, in place'
            cand undo 'Revert a change recorded with --journal'
            cand diff 'Print the changed regions of two files of the same size as a patch'
            cand apply 'Apply a patch of any format, checking every region of every file first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mpatch;find'= {
            cand -m 'Stop each file after N matches'
            cand --max-count 'Stop each file after N matches'
            cand --nth 'Only the Nth match (1-based) of each file'
            cand --range 'Only matches lying entirely inside bytes [START, END); either end may be left out'
            cand -C 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts'
            cand --context 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts'
            cand -A 'Show N lines after each match'
            cand --after-context 'Show N lines after each match'
            cand -B 'Show N lines before each match'
            cand --before-context 'Show N lines before each match'
            cand --byte-context 'Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]'
            cand --color 'Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never'
            cand --progress 'Progress bar on stderr for files of 256 MiB or more'
            cand -E 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded'
            cand --encoding 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded'
            cand -g 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)'
            cand --glob 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)'
            cand --max-depth 'With -r: descend at most N levels below each FILE (0: the FILEs themselves)'
            cand --files-from 'Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)'
            cand --sort 'Print files in path order (each directory''s entries by name, a --files-from list sorted)'
            cand -j 'How many files are worked on at once (default: one per core)'
            cand --threads 'How many files are worked on at once (default: one per core)'
            cand -p 'A pattern to look for (repeatable; with it, every positional argument is a FILE)'
            cand --pattern 'A pattern to look for (repeatable; with it, every positional argument is a FILE)'
            cand -f 'Read patterns from FILE, one per line ("-" for stdin; blank and # lines skipped)'
            cand --patterns-from 'Read patterns from FILE, one per line ("-" for stdin; blank and # lines skipped)'
            cand -e 'Decode escapes: \\ \n \r \t \0 \xHH'
            cand --escapes 'Decode escapes: \\ \n \r \t \0 \xHH'
            cand -x 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s'
            cand --hex 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s'
            cand -q 'Print nothing; the exit status tells (not with --json, which prints)'
            cand --quiet 'Print nothing; the exit status tells (not with --json, which prints)'
            cand --hex-offsets 'Print offsets as 0x-prefixed hex'
            cand --json 'One JSON object per line: a "match" per match and a "summary" per file'
            cand -c 'Print one line per file: the number of matches'
            cand --count 'Print one line per file: the number of matches'
            cand -l 'Print only the names of files with a match'
            cand --files-with-matches 'Print only the names of files with a match'
            cand -H 'Always print the file name with each line'
            cand --with-filename 'Always print the file name with each line'
            cand --no-filename 'Never print the file name'
            cand -i 'ASCII letters match either case'
            cand --ignore-case 'ASCII letters match either case'
            cand --regex 'PATTERN is a regular expression over bytes (the regex crate''s syntax)'
            cand -r 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)'
            cand --recursive 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)'
            cand --hidden 'With -r: walk hidden files and directories too'
            cand --no-ignore 'With -r: do not honour .gitignore, .ignore and .rgignore files'
            cand -L 'With -r: follow symbolic links'
            cand --follow 'With -r: follow symbolic links'
            cand -0 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)'
            cand --null 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)'
            cand -a 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does'
            cand --binary 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;replace'= {
            cand -m 'Stop each file after N matches'
            cand --max-count 'Stop each file after N matches'
            cand --nth 'Only the Nth match (1-based) of each file'
            cand --range 'Only matches lying entirely inside bytes [START, END); either end may be left out'
            cand -C 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts'
            cand --context 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts'
            cand -A 'Show N lines after each match'
            cand --after-context 'Show N lines after each match'
            cand -B 'Show N lines before each match'
            cand --before-context 'Show N lines before each match'
            cand --byte-context 'Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]'
            cand --color 'Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never'
            cand --progress 'Progress bar on stderr for files of 256 MiB or more'
            cand --journal 'Record each changed region in an undo journal at PATH, synced before the bytes are written'
            cand --lock-timeout 'Seconds to wait for another process''s lock on the file'
            cand --expect 'Write only if every file (in a walk or list: every file with a match) has exactly N matches (else exit 1, nothing written)'
            cand --expect-total 'Write only if all files together have exactly N matches (else exit 1, nothing written)'
            cand --pad 'Pad a shorter REPLACEMENT to the pattern''s length with BYTE (a character or 0xHH)'
            cand -U 'With --diff: N unchanged lines around each change (default 3)'
            cand --unified 'With --diff: N unchanged lines around each change (default 3)'
            cand -E 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded'
            cand --encoding 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded'
            cand -g 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)'
            cand --glob 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)'
            cand --max-depth 'With -r: descend at most N levels below each FILE (0: the FILEs themselves)'
            cand --files-from 'Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)'
            cand --sort 'Print files in path order (each directory''s entries by name, a --files-from list sorted)'
            cand -j 'How many files are worked on at once (default: one per core)'
            cand --threads 'How many files are worked on at once (default: one per core)'
            cand --pair 'Replace OLD with NEW (repeatable; with it, every positional argument is a FILE)'
            cand -f 'Read pairs from FILE, one OLD<TAB>NEW per line ("-" for stdin; blank and # lines skipped)'
            cand --pairs-from 'Read pairs from FILE, one OLD<TAB>NEW per line ("-" for stdin; blank and # lines skipped)'
            cand --mask 'Overwrite every byte of each match with BYTE (a character or 0xHH), instead of a REPLACEMENT'
            cand -e 'Decode escapes: \\ \n \r \t \0 \xHH'
            cand --escapes 'Decode escapes: \\ \n \r \t \0 \xHH'
            cand -x 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s'
            cand --hex 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s'
            cand -q 'Print nothing; the exit status tells (not with --json, which prints)'
            cand --quiet 'Print nothing; the exit status tells (not with --json, which prints)'
            cand --hex-offsets 'Print offsets as 0x-prefixed hex'
            cand --json 'One JSON object per line: a "match" per match and a "summary" per file'
            cand -n 'Work out every change and report it as the real run would; the file stays as it was'
            cand --dry-run 'Work out every change and report it as the real run would; the file stays as it was'
            cand --no-sync 'Leave writing the changed bytes to the kernel instead of waiting for the disk'
            cand --allow-device 'Allow writing to a block device'
            cand --diff 'Write nothing; print what would change as a unified diff that git apply and patch -p1 accept'
            cand -I 'Ask before each change, one key each from the terminal: y n a d A q ?'
            cand --interactive 'Ask before each change, one key each from the terminal: y n a d A q ?'
            cand -i 'ASCII letters match either case'
            cand --ignore-case 'ASCII letters match either case'
            cand --regex 'PATTERN is a regular expression over bytes (the regex crate''s syntax)'
            cand -r 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)'
            cand --recursive 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)'
            cand --hidden 'With -r: walk hidden files and directories too'
            cand --no-ignore 'With -r: do not honour .gitignore, .ignore and .rgignore files'
            cand -L 'With -r: follow symbolic links'
            cand --follow 'With -r: follow symbolic links'
            cand -0 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)'
            cand --null 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)'
            cand -a 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does'
            cand --binary 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;peek'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand --json 'One JSON object per piece read: {"type":"bytes","path","offset","bytes"} (bytes in hex)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;poke'= {
            cand --journal 'Record each changed region in an undo journal at PATH, synced before the bytes are written'
            cand --lock-timeout 'Seconds to wait for another process''s lock on the file'
            cand --expect 'Write only if the bytes now at OFFSET are these (else exit 1 and show them)'
            cand -e 'Decode escapes: \\ \n \r \t \0 \xHH'
            cand --escapes 'Decode escapes: \\ \n \r \t \0 \xHH'
            cand -x 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s'
            cand --hex 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s'
            cand -n 'Work out every change and report it as the real run would; the file stays as it was'
            cand --dry-run 'Work out every change and report it as the real run would; the file stays as it was'
            cand --no-sync 'Leave writing the changed bytes to the kernel instead of waiting for the disk'
            cand --allow-device 'Allow writing to a block device'
            cand -q 'Print nothing on success'
            cand --quiet 'Print nothing on success'
            cand --json 'One JSON object: {"type":"poke","path","offset","old","new","dry_run"}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;undo'= {
            cand --lock-timeout 'Seconds to wait for another process''s lock on the file'
            cand --progress 'Progress bar on stderr for journals of 32 MiB or more'
            cand --force 'Restore even regions that changed since the journal was written'
            cand --trust-journal 'Use a journal that another user owns or that others can write (it names the files undo writes)'
            cand --no-sync 'Leave writing the restored bytes to the kernel'
            cand --json 'One JSON object per file: {"type":"restored","path","regions","skipped"}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;diff'= {
            cand -F 'Write the patch in this format (IPS reaches the first 16 MiB only)'
            cand --format 'Write the patch in this format (IPS reaches the first 16 MiB only)'
            cand --name 'The name the patch gives the file: x64dbg''s module, IDA''s file name, PPF''s description (default: OLD''s file name)'
            cand -j 'Compare on N threads (default: one per core)'
            cand --threads 'Compare on N threads (default: one per core)'
            cand -q 'Print nothing; the exit status tells whether the files differ'
            cand --quiet 'Print nothing; the exit status tells whether the files differ'
            cand --json 'One JSON object per line instead of a patch: a "region" per changed region, then a "summary" (mpatch''s format only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;apply'= {
            cand --journal 'Record each changed region in an undo journal at PATH, synced before the bytes are written'
            cand --lock-timeout 'Seconds to wait for another process''s lock on the file'
            cand -F 'Read the patch as this format instead of recognising it by its magic'
            cand --format 'Read the patch as this format instead of recognising it by its magic'
            cand -U 'With --diff: N unchanged lines around each change (default 3)'
            cand --unified 'With --diff: N unchanged lines around each change (default 3)'
            cand --color 'Colour --diff as git diff and the old and new bytes -I shows: auto (--diff when stdout is a terminal, -I always; neither with NO_COLOR), always or never'
            cand -n 'Work out every change and report it as the real run would; the file stays as it was'
            cand --dry-run 'Work out every change and report it as the real run would; the file stays as it was'
            cand --no-sync 'Leave writing the changed bytes to the kernel instead of waiting for the disk'
            cand --allow-device 'Allow writing to a block device'
            cand -R 'Apply the patch backwards: write each region''s old bytes where its new ones are'
            cand --reverse 'Apply the patch backwards: write each region''s old bytes where its new ones are'
            cand --any-size 'Apply even if a file''s size is not the one in an mpatch patch''s header'
            cand --json 'One JSON object per line: a "region" per region and a "summary" per file'
            cand -q 'Print nothing on success (not with --json, which prints)'
            cand --quiet 'Print nothing on success (not with --json, which prints)'
            cand --diff 'Write nothing; print what the patch would change as a unified diff that git apply and patch -p1 accept'
            cand -I 'Ask before each region, one key each from the terminal: y n a d A q ?'
            cand --interactive 'Ask before each region, one key each from the terminal: y n a d A q ?'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mpatch;help'= {
            cand find 'Print the byte offset of every match of PATTERN'
            cand replace 'Replace every match of PATTERN with a REPLACEMENT of the same length, in place'
            cand peek 'Show bytes at an offset'
            cand poke 'Write bytes at an offset, in place'
            cand undo 'Revert a change recorded with --journal'
            cand diff 'Print the changed regions of two files of the same size as a patch'
            cand apply 'Apply a patch of any format, checking every region of every file first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mpatch;help;find'= {
        }
        &'mpatch;help;replace'= {
        }
        &'mpatch;help;peek'= {
        }
        &'mpatch;help;poke'= {
        }
        &'mpatch;help;undo'= {
        }
        &'mpatch;help;diff'= {
        }
        &'mpatch;help;apply'= {
        }
        &'mpatch;help;help'= {
        }
    ]
    $completions[$command]
}
