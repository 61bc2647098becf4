# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mpatch_global_optspecs
    string join \n generate= h/help V/version
end

function __fish_mpatch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mpatch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mpatch_using_subcommand
    set -l cmd (__fish_mpatch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mpatch -n "__fish_mpatch_needs_command" -l generate -d 'Print a man page (man, man-COMMAND) or a shell\'s completions (bash, zsh, fish, elvish, powershell)' -r -f -a "man\t''
man-find\t''
man-replace\t''
man-peek\t''
man-poke\t''
man-undo\t''
man-diff\t''
man-apply\t''
bash\t''
zsh\t''
fish\t''
elvish\t''
powershell\t''"
complete -c mpatch -n "__fish_mpatch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_needs_command" -s V -l version -d 'Print version'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "find" -d 'Print the byte offset of every match of PATTERN'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "replace" -d 'Replace every match of PATTERN with a REPLACEMENT of the same length, in place'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "peek" -d 'Show bytes at an offset'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "poke" -d 'Write bytes at an offset, in place'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "undo" -d 'Revert a change recorded with --journal'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "diff" -d 'Print the changed regions of two files of the same size as a patch'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "apply" -d 'Apply a patch of any format, checking every region of every file first'
complete -c mpatch -n "__fish_mpatch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s m -l max-count -d 'Stop each file after N matches' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l nth -d 'Only the Nth match (1-based) of each file' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l range -d 'Only matches lying entirely inside bytes [START, END); either end may be left out' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s C -l context -d 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s A -l after-context -d 'Show N lines after each match' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s B -l before-context -d 'Show N lines before each match' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l byte-context -d 'Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l color -d 'Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never' -r -f -a "auto\t'When stdout is a terminal and NO_COLOR is unset'
always\t''
never\t''"
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l progress -d 'Progress bar on stderr for files of 256 MiB or more' -r -f -a "auto\t'When stderr is a terminal'
always\t''
never\t''"
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s E -l encoding -d 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s g -l glob -d 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l max-depth -d 'With -r: descend at most N levels below each FILE (0: the FILEs themselves)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l files-from -d 'Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l sort -d 'Print files in path order (each directory\'s entries by name, a --files-from list sorted)' -r -f -a "path\t'By path: each directory\'s entries in name order'"
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s j -l threads -d 'How many files are worked on at once (default: one per core)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s p -l pattern -d 'A pattern to look for (repeatable; with it, every positional argument is a FILE)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s f -l patterns-from -d 'Read patterns from FILE, one per line ("-" for stdin; blank and # lines skipped)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s e -l escapes -d 'Decode escapes: \\\\ \\n \\r \\t \\0 \\xHH'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s x -l hex -d 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match\'s'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s q -l quiet -d 'Print nothing; the exit status tells (not with --json, which prints)'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l hex-offsets -d 'Print offsets as 0x-prefixed hex'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l json -d 'One JSON object per line: a "match" per match and a "summary" per file'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s c -l count -d 'Print one line per file: the number of matches'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s l -l files-with-matches -d 'Print only the names of files with a match'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s H -l with-filename -d 'Always print the file name with each line'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l no-filename -d 'Never print the file name'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s i -l ignore-case -d 'ASCII letters match either case'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l regex -d 'PATTERN is a regular expression over bytes (the regex crate\'s syntax)'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s r -l recursive -d 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l hidden -d 'With -r: walk hidden files and directories too'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -l no-ignore -d 'With -r: do not honour .gitignore, .ignore and .rgignore files'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s L -l follow -d 'With -r: follow symbolic links'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s 0 -l null -d 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s a -l binary -d 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does'
complete -c mpatch -n "__fish_mpatch_using_subcommand find" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s m -l max-count -d 'Stop each file after N matches' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l nth -d 'Only the Nth match (1-based) of each file' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l range -d 'Only matches lying entirely inside bytes [START, END); either end may be left out' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s C -l context -d 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s A -l after-context -d 'Show N lines after each match' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s B -l before-context -d 'Show N lines before each match' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l byte-context -d 'Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l color -d 'Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never' -r -f -a "auto\t'When stdout is a terminal and NO_COLOR is unset'
always\t''
never\t''"
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l progress -d 'Progress bar on stderr for files of 256 MiB or more' -r -f -a "auto\t'When stderr is a terminal'
always\t''
never\t''"
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l journal -d 'Record each changed region in an undo journal at PATH, synced before the bytes are written' -r -F
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l lock-timeout -d 'Seconds to wait for another process\'s lock on the file' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l expect -d 'Write only if every file (in a walk or list: every file with a match) has exactly N matches (else exit 1, nothing written)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l expect-total -d 'Write only if all files together have exactly N matches (else exit 1, nothing written)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l pad -d 'Pad a shorter REPLACEMENT to the pattern\'s length with BYTE (a character or 0xHH)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s U -l unified -d 'With --diff: N unchanged lines around each change (default 3)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s E -l encoding -d 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s g -l glob -d 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l max-depth -d 'With -r: descend at most N levels below each FILE (0: the FILEs themselves)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l files-from -d 'Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l sort -d 'Print files in path order (each directory\'s entries by name, a --files-from list sorted)' -r -f -a "path\t'By path: each directory\'s entries in name order'"
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s j -l threads -d 'How many files are worked on at once (default: one per core)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l pair -d 'Replace OLD with NEW (repeatable; with it, every positional argument is a FILE)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s f -l pairs-from -d 'Read pairs from FILE, one OLD<TAB>NEW per line ("-" for stdin; blank and # lines skipped)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l mask -d 'Overwrite every byte of each match with BYTE (a character or 0xHH), instead of a REPLACEMENT' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s e -l escapes -d 'Decode escapes: \\\\ \\n \\r \\t \\0 \\xHH'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s x -l hex -d 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match\'s'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s q -l quiet -d 'Print nothing; the exit status tells (not with --json, which prints)'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l hex-offsets -d 'Print offsets as 0x-prefixed hex'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l json -d 'One JSON object per line: a "match" per match and a "summary" per file'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s n -l dry-run -d 'Work out every change and report it as the real run would; the file stays as it was'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l no-sync -d 'Leave writing the changed bytes to the kernel instead of waiting for the disk'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l allow-device -d 'Allow writing to a block device'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l diff -d 'Write nothing; print what would change as a unified diff that git apply and patch -p1 accept'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s I -l interactive -d 'Ask before each change, one key each from the terminal: y n a d A q ?'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s i -l ignore-case -d 'ASCII letters match either case'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l regex -d 'PATTERN is a regular expression over bytes (the regex crate\'s syntax)'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s r -l recursive -d 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l hidden -d 'With -r: walk hidden files and directories too'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -l no-ignore -d 'With -r: do not honour .gitignore, .ignore and .rgignore files'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s L -l follow -d 'With -r: follow symbolic links'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s 0 -l null -d 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s a -l binary -d 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does'
complete -c mpatch -n "__fish_mpatch_using_subcommand replace" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand peek" -s f -l format -d 'Output format' -r -f -a "hexdump\t'xxd-style lines: offset, 16 bytes in hex, printable text'
hex\t'One line of hex digits, ready for --hex'
text\t'The bytes with \\n, \\t, \\\\ and \\xHH escapes'
raw\t'The bytes themselves'"
complete -c mpatch -n "__fish_mpatch_using_subcommand peek" -l json -d 'One JSON object per piece read: {"type":"bytes","path","offset","bytes"} (bytes in hex)'
complete -c mpatch -n "__fish_mpatch_using_subcommand peek" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -l journal -d 'Record each changed region in an undo journal at PATH, synced before the bytes are written' -r -F
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -l lock-timeout -d 'Seconds to wait for another process\'s lock on the file' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -l expect -d 'Write only if the bytes now at OFFSET are these (else exit 1 and show them)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -s e -l escapes -d 'Decode escapes: \\\\ \\n \\r \\t \\0 \\xHH'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -s x -l hex -d 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match\'s'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -s n -l dry-run -d 'Work out every change and report it as the real run would; the file stays as it was'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -l no-sync -d 'Leave writing the changed bytes to the kernel instead of waiting for the disk'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -l allow-device -d 'Allow writing to a block device'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -s q -l quiet -d 'Print nothing on success'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -l json -d 'One JSON object: {"type":"poke","path","offset","old","new","dry_run"}'
complete -c mpatch -n "__fish_mpatch_using_subcommand poke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -l lock-timeout -d 'Seconds to wait for another process\'s lock on the file' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -l progress -d 'Progress bar on stderr for journals of 32 MiB or more' -r -f -a "auto\t'When stderr is a terminal'
always\t''
never\t''"
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -l force -d 'Restore even regions that changed since the journal was written'
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -l trust-journal -d 'Use a journal that another user owns or that others can write (it names the files undo writes)'
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -l no-sync -d 'Leave writing the restored bytes to the kernel'
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -l json -d 'One JSON object per file: {"type":"restored","path","regions","skipped"}'
complete -c mpatch -n "__fish_mpatch_using_subcommand undo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand diff" -s F -l format -d 'Write the patch in this format (IPS reaches the first 16 MiB only)' -r -f -a "mpatch\t'mpatch\'s own text: a header with the size, then OFFSET OLD-HEX NEW-HEX lines'
cmp\t'cmp -l output: 1-based decimal offsets, octal old and new bytes'
ips\t'IPS: new bytes only, offsets in the first 16 MiB'
ups\t'UPS: XOR with the file, CRC32s of both files and the patch'
bps\t'BPS: source and target copies, CRC32s of both files and the patch'
ppf\t'PPF 3.0, with undo data (the old bytes)'
1337\t'x64dbg\'s .1337: >MODULE, then OFFSET:OLD->NEW a byte'
dif\t'IDA\'s .dif: a file name, then OFFSET: OLD NEW a byte'"
complete -c mpatch -n "__fish_mpatch_using_subcommand diff" -l name -d 'The name the patch gives the file: x64dbg\'s module, IDA\'s file name, PPF\'s description (default: OLD\'s file name)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand diff" -s j -l threads -d 'Compare on N threads (default: one per core)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand diff" -s q -l quiet -d 'Print nothing; the exit status tells whether the files differ'
complete -c mpatch -n "__fish_mpatch_using_subcommand diff" -l json -d 'One JSON object per line instead of a patch: a "region" per changed region, then a "summary" (mpatch\'s format only)'
complete -c mpatch -n "__fish_mpatch_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l journal -d 'Record each changed region in an undo journal at PATH, synced before the bytes are written' -r -F
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l lock-timeout -d 'Seconds to wait for another process\'s lock on the file' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s F -l format -d 'Read the patch as this format instead of recognising it by its magic' -r -f -a "mpatch\t'mpatch\'s own text: a header with the size, then OFFSET OLD-HEX NEW-HEX lines'
cmp\t'cmp -l output: 1-based decimal offsets, octal old and new bytes'
ips\t'IPS: new bytes only, offsets in the first 16 MiB'
ups\t'UPS: XOR with the file, CRC32s of both files and the patch'
bps\t'BPS: source and target copies, CRC32s of both files and the patch'
ppf\t'PPF 3.0, with undo data (the old bytes)'
1337\t'x64dbg\'s .1337: >MODULE, then OFFSET:OLD->NEW a byte'
dif\t'IDA\'s .dif: a file name, then OFFSET: OLD NEW a byte'"
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s U -l unified -d 'With --diff: N unchanged lines around each change (default 3)' -r
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l color -d 'Colour --diff as git diff and the old and new bytes -I shows: auto (--diff when stdout is a terminal, -I always; neither with NO_COLOR), always or never' -r -f -a "auto\t'When stdout is a terminal and NO_COLOR is unset'
always\t''
never\t''"
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s n -l dry-run -d 'Work out every change and report it as the real run would; the file stays as it was'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l no-sync -d 'Leave writing the changed bytes to the kernel instead of waiting for the disk'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l allow-device -d 'Allow writing to a block device'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s R -l reverse -d 'Apply the patch backwards: write each region\'s old bytes where its new ones are'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l any-size -d 'Apply even if a file\'s size is not the one in an mpatch patch\'s header'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l json -d 'One JSON object per line: a "region" per region and a "summary" per file'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s q -l quiet -d 'Print nothing on success (not with --json, which prints)'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -l diff -d 'Write nothing; print what the patch would change as a unified diff that git apply and patch -p1 accept'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s I -l interactive -d 'Ask before each region, one key each from the terminal: y n a d A q ?'
complete -c mpatch -n "__fish_mpatch_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "find" -d 'Print the byte offset of every match of PATTERN'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "replace" -d 'Replace every match of PATTERN with a REPLACEMENT of the same length, in place'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "peek" -d 'Show bytes at an offset'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "poke" -d 'Write bytes at an offset, in place'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "undo" -d 'Revert a change recorded with --journal'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "diff" -d 'Print the changed regions of two files of the same size as a patch'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "apply" -d 'Apply a patch of any format, checking every region of every file first'
complete -c mpatch -n "__fish_mpatch_using_subcommand help; and not __fish_seen_subcommand_from find replace peek poke undo diff apply help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
