using System.IO.Compression;

namespace CompliancePortal.Core.Materials;

/// <summary>A file type accepted for review: its MIME type and the file name endings that go with it.</summary>
public sealed record MaterialFileKind(string Name, string ContentType, string Extension, IReadOnlyList<string> Extensions);

/// <summary>
/// Tells what a file is from its own bytes (magic numbers), never from the browser's claim or the
/// name alone: PDF ("%PDF-"), DOCX (a zip holding word/document.xml), PNG and JPEG signatures.
/// </summary>
public static class MaterialContent
{
    public static readonly MaterialFileKind Pdf = new("PDF", "application/pdf", "pdf", ["pdf"]);
    public static readonly MaterialFileKind Docx = new("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", ["docx"]);
    public static readonly MaterialFileKind Png = new("PNG", "image/png", "png", ["png"]);
    public static readonly MaterialFileKind Jpeg = new("JPEG", "image/jpeg", "jpg", ["jpg", "jpeg"]);

    public static readonly IReadOnlyList<MaterialFileKind> All = [Pdf, Docx, Png, Jpeg];

    /// <summary>The accept list for the browser's file picker (a convenience only; the bytes decide).</summary>
    public static string AcceptList => string.Join(",", All.SelectMany(k => k.Extensions).Select(e => "." + e));

    private static readonly byte[] PdfMagic = "%PDF-"u8.ToArray();
    private static readonly byte[] PngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegMagic = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] ZipMagic = [0x50, 0x4B, 0x03, 0x04];

    /// <summary>The kind of <paramref name="content"/>, or null when it is none of the accepted ones.</summary>
    public static MaterialFileKind? Detect(byte[] content)
    {
        var span = content.AsSpan();
        if (span.StartsWith(PdfMagic)) return Pdf;
        if (span.StartsWith(PngMagic)) return Png;
        if (span.StartsWith(JpegMagic)) return Jpeg;
        if (span.StartsWith(ZipMagic) && IsWordDocument(content)) return Docx;
        return null;
    }

    private static bool IsWordDocument(byte[] content)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
            return zip.GetEntry("word/document.xml") is not null;
        }
        catch (InvalidDataException)
        {
            return false;   // a damaged or non-zip file that merely starts like one
        }
    }
}
