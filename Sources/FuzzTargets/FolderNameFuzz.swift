import Mailstore

/// Folder names and modified UTF-7. The input is read as text (invalid UTF-8 repaired) and as
/// raw ASCII. Checked:
/// * encoding any text gives printable ASCII that decodes back to exactly the same scalars;
/// * text that decodes is canonical: encoding the result gives the same text back;
/// * a folder name that parses (either separator) has a directory name that is one path
///   component (leading `.`, no `/`, no NUL, not `.`/`..`, at most 255 bytes) and that reads
///   back as the same folder; a directory name that reads as a folder is that folder's name.
enum FolderNameFuzz {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let encoded = ModifiedUTF7.encode(text)
        require(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "encoding is not printable ASCII: \(encoded)")
        let decoded = ModifiedUTF7.decode(encoded)
        require(decoded.map { $0.unicodeScalars.elementsEqual(text.unicodeScalars) } == true,
                "\(encoded) does not decode back to the text it encodes")

        if let decoded = ModifiedUTF7.decode(text) {
            require(ModifiedUTF7.encode(decoded) == text, "\(text) decodes but is not canonical")
        }
        for separator in [HierarchySeparator.slash, .dot] {
            if let folder = try? FolderName.parse(text, separator: separator) {
                check(folder)
            }
        }
        if let folder = FolderName(directoryName: text) {
            require(folder.directoryName == text, "directory \(text) reads as a folder whose directory is \(folder.directoryName)")
            check(folder)
        }
    }

    /// The folder's directory is one safe path component that reads back as the same folder.
    static func check(_ folder: FolderName) {
        let directory = folder.directoryName
        let bytes = Array(directory.utf8)
        require(bytes.first == UInt8(ascii: "."), "directory \(directory) does not start with a dot")
        require(directory != "." && directory != "..", "folder \(folder) is stored as \(directory)")
        require(!bytes.contains(UInt8(ascii: "/")) && !bytes.contains(0), "directory \(directory) has / or NUL")
        require(bytes.count <= FolderName.maximumDirectoryBytes, "directory of \(folder) is \(bytes.count) bytes")
        guard let back = FolderName(directoryName: directory) else {
            return require(false, "directory \(directory) of \(folder) does not read back")
        }
        require(back.levels.count == folder.levels.count
                && zip(back.levels, folder.levels).allSatisfy { $0.unicodeScalars.elementsEqual($1.unicodeScalars) },
                "directory \(directory) reads back as \(back), not \(folder)")
    }
}
