
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mpatch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mpatch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mpatch' {
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print a man page (man, man-COMMAND) or a shell''s completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Print the byte offset of every match of PATTERN')
            [CompletionResult]::new('replace', 'replace', [CompletionResultType]::ParameterValue, 'Replace every match of PATTERN with a REPLACEMENT of the same length, in place')
            [CompletionResult]::new('peek', 'peek', [CompletionResultType]::ParameterValue, 'Show bytes at an offset')
            [CompletionResult]::new('poke', 'poke', [CompletionResultType]::ParameterValue, 'Write bytes at an offset, in place')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Revert a change recorded with --journal')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Print the changed regions of two files of the same size as a patch')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply a patch of any format, checking every region of every file first')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mpatch;find' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Stop each file after N matches')
            [CompletionResult]::new('--max-count', '--max-count', [CompletionResultType]::ParameterName, 'Stop each file after N matches')
            [CompletionResult]::new('--nth', '--nth', [CompletionResultType]::ParameterName, 'Only the Nth match (1-based) of each file')
            [CompletionResult]::new('--range', '--range', [CompletionResultType]::ParameterName, 'Only matches lying entirely inside bytes [START, END); either end may be left out')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Show N lines after each match')
            [CompletionResult]::new('--after-context', '--after-context', [CompletionResultType]::ParameterName, 'Show N lines after each match')
            [CompletionResult]::new('-B', '-B ', [CompletionResultType]::ParameterName, 'Show N lines before each match')
            [CompletionResult]::new('--before-context', '--before-context', [CompletionResultType]::ParameterName, 'Show N lines before each match')
            [CompletionResult]::new('--byte-context', '--byte-context', [CompletionResultType]::ParameterName, 'Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress bar on stderr for files of 256 MiB or more')
            [CompletionResult]::new('-E', '-E ', [CompletionResultType]::ParameterName, 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)')
            [CompletionResult]::new('--glob', '--glob', [CompletionResultType]::ParameterName, 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'With -r: descend at most N levels below each FILE (0: the FILEs themselves)')
            [CompletionResult]::new('--files-from', '--files-from', [CompletionResultType]::ParameterName, 'Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Print files in path order (each directory''s entries by name, a --files-from list sorted)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many files are worked on at once (default: one per core)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'How many files are worked on at once (default: one per core)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'A pattern to look for (repeatable; with it, every positional argument is a FILE)')
            [CompletionResult]::new('--pattern', '--pattern', [CompletionResultType]::ParameterName, 'A pattern to look for (repeatable; with it, every positional argument is a FILE)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read patterns from FILE, one per line ("-" for stdin; blank and # lines skipped)')
            [CompletionResult]::new('--patterns-from', '--patterns-from', [CompletionResultType]::ParameterName, 'Read patterns from FILE, one per line ("-" for stdin; blank and # lines skipped)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Decode escapes: \\ \n \r \t \0 \xHH')
            [CompletionResult]::new('--escapes', '--escapes', [CompletionResultType]::ParameterName, 'Decode escapes: \\ \n \r \t \0 \xHH')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s')
            [CompletionResult]::new('--hex', '--hex', [CompletionResultType]::ParameterName, 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; the exit status tells (not with --json, which prints)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; the exit status tells (not with --json, which prints)')
            [CompletionResult]::new('--hex-offsets', '--hex-offsets', [CompletionResultType]::ParameterName, 'Print offsets as 0x-prefixed hex')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line: a "match" per match and a "summary" per file')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Print one line per file: the number of matches')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print one line per file: the number of matches')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Print only the names of files with a match')
            [CompletionResult]::new('--files-with-matches', '--files-with-matches', [CompletionResultType]::ParameterName, 'Print only the names of files with a match')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Always print the file name with each line')
            [CompletionResult]::new('--with-filename', '--with-filename', [CompletionResultType]::ParameterName, 'Always print the file name with each line')
            [CompletionResult]::new('--no-filename', '--no-filename', [CompletionResultType]::ParameterName, 'Never print the file name')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'ASCII letters match either case')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'ASCII letters match either case')
            [CompletionResult]::new('--regex', '--regex', [CompletionResultType]::ParameterName, 'PATTERN is a regular expression over bytes (the regex crate''s syntax)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)')
            [CompletionResult]::new('--hidden', '--hidden', [CompletionResultType]::ParameterName, 'With -r: walk hidden files and directories too')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'With -r: do not honour .gitignore, .ignore and .rgignore files')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'With -r: follow symbolic links')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'With -r: follow symbolic links')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)')
            [CompletionResult]::new('--null', '--null', [CompletionResultType]::ParameterName, 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;replace' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Stop each file after N matches')
            [CompletionResult]::new('--max-count', '--max-count', [CompletionResultType]::ParameterName, 'Stop each file after N matches')
            [CompletionResult]::new('--nth', '--nth', [CompletionResultType]::ParameterName, 'Only the Nth match (1-based) of each file')
            [CompletionResult]::new('--range', '--range', [CompletionResultType]::ParameterName, 'Only matches lying entirely inside bytes [START, END); either end may be left out')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Show N lines before and after each match, as grep: each line whole, after the offset where it starts')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Show N lines after each match')
            [CompletionResult]::new('--after-context', '--after-context', [CompletionResultType]::ParameterName, 'Show N lines after each match')
            [CompletionResult]::new('-B', '-B ', [CompletionResultType]::ParameterName, 'Show N lines before each match')
            [CompletionResult]::new('--before-context', '--before-context', [CompletionResultType]::ParameterName, 'Show N lines before each match')
            [CompletionResult]::new('--byte-context', '--byte-context', [CompletionResultType]::ParameterName, 'Show N bytes either side of each match instead of lines (at most 65536), the match in [brackets]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour paths, offsets and matches: auto (stdout a terminal and NO_COLOR unset), always or never')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress bar on stderr for files of 256 MiB or more')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Record each changed region in an undo journal at PATH, synced before the bytes are written')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for another process''s lock on the file')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Write only if every file (in a walk or list: every file with a match) has exactly N matches (else exit 1, nothing written)')
            [CompletionResult]::new('--expect-total', '--expect-total', [CompletionResultType]::ParameterName, 'Write only if all files together have exactly N matches (else exit 1, nothing written)')
            [CompletionResult]::new('--pad', '--pad', [CompletionResultType]::ParameterName, 'Pad a shorter REPLACEMENT to the pattern''s length with BYTE (a character or 0xHH)')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'With --diff: N unchanged lines around each change (default 3)')
            [CompletionResult]::new('--unified', '--unified', [CompletionResultType]::ParameterName, 'With --diff: N unchanged lines around each change (default 3)')
            [CompletionResult]::new('-E', '-E ', [CompletionResultType]::ParameterName, 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Encode the text of every pattern and replacement in ENC before matching: utf-16le, utf-16be, or a WHATWG label (latin1, windows-1252, shift_jis, ...); -x values are bytes and are not encoded')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)')
            [CompletionResult]::new('--glob', '--glob', [CompletionResultType]::ParameterName, 'With -r: only files matching GLOB; !GLOB excludes (repeatable; gitignore syntax)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'With -r: descend at most N levels below each FILE (0: the FILEs themselves)')
            [CompletionResult]::new('--files-from', '--files-from', [CompletionResultType]::ParameterName, 'Also work on the files named in FILE, one per line ("-" for stdin; NUL-separated with -0)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Print files in path order (each directory''s entries by name, a --files-from list sorted)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many files are worked on at once (default: one per core)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'How many files are worked on at once (default: one per core)')
            [CompletionResult]::new('--pair', '--pair', [CompletionResultType]::ParameterName, 'Replace OLD with NEW (repeatable; with it, every positional argument is a FILE)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read pairs from FILE, one OLD<TAB>NEW per line ("-" for stdin; blank and # lines skipped)')
            [CompletionResult]::new('--pairs-from', '--pairs-from', [CompletionResultType]::ParameterName, 'Read pairs from FILE, one OLD<TAB>NEW per line ("-" for stdin; blank and # lines skipped)')
            [CompletionResult]::new('--mask', '--mask', [CompletionResultType]::ParameterName, 'Overwrite every byte of each match with BYTE (a character or 0xHH), instead of a REPLACEMENT')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Decode escapes: \\ \n \r \t \0 \xHH')
            [CompletionResult]::new('--escapes', '--escapes', [CompletionResultType]::ParameterName, 'Decode escapes: \\ \n \r \t \0 \xHH')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s')
            [CompletionResult]::new('--hex', '--hex', [CompletionResultType]::ParameterName, 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; the exit status tells (not with --json, which prints)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; the exit status tells (not with --json, which prints)')
            [CompletionResult]::new('--hex-offsets', '--hex-offsets', [CompletionResultType]::ParameterName, 'Print offsets as 0x-prefixed hex')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line: a "match" per match and a "summary" per file')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Work out every change and report it as the real run would; the file stays as it was')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Work out every change and report it as the real run would; the file stays as it was')
            [CompletionResult]::new('--no-sync', '--no-sync', [CompletionResultType]::ParameterName, 'Leave writing the changed bytes to the kernel instead of waiting for the disk')
            [CompletionResult]::new('--allow-device', '--allow-device', [CompletionResultType]::ParameterName, 'Allow writing to a block device')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Write nothing; print what would change as a unified diff that git apply and patch -p1 accept')
            [CompletionResult]::new('-I', '-I ', [CompletionResultType]::ParameterName, 'Ask before each change, one key each from the terminal: y n a d A q ?')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Ask before each change, one key each from the terminal: y n a d A q ?')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'ASCII letters match either case')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'ASCII letters match either case')
            [CompletionResult]::new('--regex', '--regex', [CompletionResultType]::ParameterName, 'PATTERN is a regular expression over bytes (the regex crate''s syntax)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Walk directories as ripgrep does: .gitignore, .ignore and .rgignore honoured, hidden entries and symlinks skipped (no FILE: the current directory)')
            [CompletionResult]::new('--hidden', '--hidden', [CompletionResultType]::ParameterName, 'With -r: walk hidden files and directories too')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'With -r: do not honour .gitignore, .ignore and .rgignore files')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'With -r: follow symbolic links')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'With -r: follow symbolic links')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)')
            [CompletionResult]::new('--null', '--null', [CompletionResultType]::ParameterName, 'File names end with a NUL byte, in --files-from lists and in output (for xargs -0)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'With -r: search and patch binary files too (a NUL byte in the first 64 KiB or near a match); a hex pattern (-x) does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;peek' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per piece read: {"type":"bytes","path","offset","bytes"} (bytes in hex)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;poke' {
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Record each changed region in an undo journal at PATH, synced before the bytes are written')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for another process''s lock on the file')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Write only if the bytes now at OFFSET are these (else exit 1 and show them)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Decode escapes: \\ \n \r \t \0 \xHH')
            [CompletionResult]::new('--escapes', '--escapes', [CompletionResultType]::ParameterName, 'Decode escapes: \\ \n \r \t \0 \xHH')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s')
            [CompletionResult]::new('--hex', '--hex', [CompletionResultType]::ParameterName, 'Read values as hexadecimal digit pairs ("de ad be ef", "0xDEADBEEF"); in patterns ?? is any byte, 4? and ?4 any nibble, and in a replacement they keep the match''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Work out every change and report it as the real run would; the file stays as it was')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Work out every change and report it as the real run would; the file stays as it was')
            [CompletionResult]::new('--no-sync', '--no-sync', [CompletionResultType]::ParameterName, 'Leave writing the changed bytes to the kernel instead of waiting for the disk')
            [CompletionResult]::new('--allow-device', '--allow-device', [CompletionResultType]::ParameterName, 'Allow writing to a block device')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object: {"type":"poke","path","offset","old","new","dry_run"}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;undo' {
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for another process''s lock on the file')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress bar on stderr for journals of 32 MiB or more')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Restore even regions that changed since the journal was written')
            [CompletionResult]::new('--trust-journal', '--trust-journal', [CompletionResultType]::ParameterName, 'Use a journal that another user owns or that others can write (it names the files undo writes)')
            [CompletionResult]::new('--no-sync', '--no-sync', [CompletionResultType]::ParameterName, 'Leave writing the restored bytes to the kernel')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per file: {"type":"restored","path","regions","skipped"}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;diff' {
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Write the patch in this format (IPS reaches the first 16 MiB only)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Write the patch in this format (IPS reaches the first 16 MiB only)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The name the patch gives the file: x64dbg''s module, IDA''s file name, PPF''s description (default: OLD''s file name)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Compare on N threads (default: one per core)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Compare on N threads (default: one per core)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; the exit status tells whether the files differ')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; the exit status tells whether the files differ')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of a patch: a "region" per changed region, then a "summary" (mpatch''s format only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;apply' {
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Record each changed region in an undo journal at PATH, synced before the bytes are written')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for another process''s lock on the file')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Read the patch as this format instead of recognising it by its magic')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Read the patch as this format instead of recognising it by its magic')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'With --diff: N unchanged lines around each change (default 3)')
            [CompletionResult]::new('--unified', '--unified', [CompletionResultType]::ParameterName, 'With --diff: N unchanged lines around each change (default 3)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour --diff as git diff and the old and new bytes -I shows: auto (--diff when stdout is a terminal, -I always; neither with NO_COLOR), always or never')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Work out every change and report it as the real run would; the file stays as it was')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Work out every change and report it as the real run would; the file stays as it was')
            [CompletionResult]::new('--no-sync', '--no-sync', [CompletionResultType]::ParameterName, 'Leave writing the changed bytes to the kernel instead of waiting for the disk')
            [CompletionResult]::new('--allow-device', '--allow-device', [CompletionResultType]::ParameterName, 'Allow writing to a block device')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Apply the patch backwards: write each region''s old bytes where its new ones are')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Apply the patch backwards: write each region''s old bytes where its new ones are')
            [CompletionResult]::new('--any-size', '--any-size', [CompletionResultType]::ParameterName, 'Apply even if a file''s size is not the one in an mpatch patch''s header')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line: a "region" per region and a "summary" per file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on success (not with --json, which prints)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on success (not with --json, which prints)')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Write nothing; print what the patch would change as a unified diff that git apply and patch -p1 accept')
            [CompletionResult]::new('-I', '-I ', [CompletionResultType]::ParameterName, 'Ask before each region, one key each from the terminal: y n a d A q ?')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Ask before each region, one key each from the terminal: y n a d A q ?')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mpatch;help' {
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Print the byte offset of every match of PATTERN')
            [CompletionResult]::new('replace', 'replace', [CompletionResultType]::ParameterValue, 'Replace every match of PATTERN with a REPLACEMENT of the same length, in place')
            [CompletionResult]::new('peek', 'peek', [CompletionResultType]::ParameterValue, 'Show bytes at an offset')
            [CompletionResult]::new('poke', 'poke', [CompletionResultType]::ParameterValue, 'Write bytes at an offset, in place')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Revert a change recorded with --journal')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Print the changed regions of two files of the same size as a patch')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply a patch of any format, checking every region of every file first')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mpatch;help;find' {
            break
        }
        'mpatch;help;replace' {
            break
        }
        'mpatch;help;peek' {
            break
        }
        'mpatch;help;poke' {
            break
        }
        'mpatch;help;undo' {
            break
        }
        'mpatch;help;diff' {
            break
        }
        'mpatch;help;apply' {
            break
        }
        'mpatch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
