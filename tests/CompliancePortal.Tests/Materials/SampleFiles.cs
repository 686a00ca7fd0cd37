using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace CompliancePortal.Tests.Materials;

/// <summary>Small files of each accepted type (real signatures and structure) and lookalikes that are not.</summary>
public static class SampleFiles
{
    public static byte[] Pdf(string text = "Q3 performance brochure") =>
        Encoding.ASCII.GetBytes($"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text} {Guid.NewGuid():N}\n%%EOF\n");

    public static byte[] Png() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. RandomNumberGenerator.GetBytes(64)];

    public static byte[] Jpeg() => [0xFF, 0xD8, 0xFF, 0xE0, .. RandomNumberGenerator.GetBytes(64)];

    /// <summary>A zip holding word/document.xml, as every DOCX does.</summary>
    public static byte[] Docx() => Zip("[Content_Types].xml", "word/document.xml");

    /// <summary>A zip that is not a Word document (e.g. a spreadsheet or an archive renamed .docx).</summary>
    public static byte[] ZipWithoutDocument() => Zip("[Content_Types].xml", "xl/workbook.xml");

    /// <summary>A Windows executable's header.</summary>
    public static byte[] Executable() => [0x4D, 0x5A, 0x90, 0x00, .. RandomNumberGenerator.GetBytes(64)];

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] Zip(params string[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var name in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write($"<xml id=\"{Guid.NewGuid():N}\"/>");
            }
        }
        return buffer.ToArray();
    }
}
