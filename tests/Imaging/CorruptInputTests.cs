using DistillKit.Tests.Support;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Imaging;

/// <summary>One test per failure class; every message must name the file.</summary>
public class CorruptInputTests
{
    static byte[] SomePng() => Png.Encode(Image.FromBytes(8, 8, 3, Enumerable.Range(0, 192).Select(i => (byte)(i * 7)).ToArray()));

    static byte[] SomeJpeg()
    {
        var img = Image.Blank(32, 32, 3);
        for (int i = 0; i < img.Pixels8!.Length; i++) img.Pixels8[i] = (byte)(i * 13);
        return Jpeg.Encode(img, 90);
    }

    static T ThrowsNamingFile<T>(string path, Action read) where T : Exception
    {
        var e = Assert.Throws<T>(read);
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void TruncatedFiles()
    {
        using var dir = new TempFolder();
        var png = dir.File("cut.png");
        var bytes = SomePng();
        File.WriteAllBytes(png, bytes[..(bytes.Length - 20)]); // IEND and part of IDAT gone
        var e = ThrowsNamingFile<InvalidDataException>(png, () => Png.Read(png));
        Assert.Contains("truncated", e.Message);
        ThrowsNamingFile<InvalidDataException>(png, () => ImageIO.Read(png));

        var jpg = dir.File("cut.jpg");
        var jb = SomeJpeg();
        File.WriteAllBytes(jpg, jb[..(jb.Length / 2)]);
        ThrowsNamingFile<InvalidDataException>(jpg, () => Jpeg.Read(jpg));
        var tolerated = Jpeg.Read(jpg, tolerateWarnings: true); // libjpeg fills the missing part
        Assert.Equal((32, 32), (tolerated.Width, tolerated.Height));

        // a signature and nothing else: TurboJPEG's header reader returned success without a size (uninitialised, varying)
        var stub = dir.File("stub.jpg");
        File.WriteAllBytes(stub, new byte[] { 0xFF, 0xD8, 0xFF, 0x00, 0x01 });
        for (int i = 0; i < 20; i++)
        {
            var s = ThrowsNamingFile<InvalidDataException>(stub, () => Jpeg.Read(stub, tolerateWarnings: i % 2 == 0));
            Assert.Contains("JPEG", s.Message);
        }

        var flo = dir.File("cut.flo");
        File.WriteAllBytes(flo, "PIEH"u8.ToArray().Concat(new byte[4]).ToArray());
        ThrowsNamingFile<InvalidDataException>(flo, () => MiddleburyFlo.Read(flo));

        var ppm = dir.File("cut.ppm");
        File.WriteAllBytes(ppm, "P6\n4 4\n"u8.ToArray());
        ThrowsNamingFile<InvalidDataException>(ppm, () => Ppm.Read(ppm));
    }

    [Fact]
    public void WrongMagicNumbers()
    {
        using var dir = new TempFolder();
        var png = dir.File("not-really.png");
        File.WriteAllText(png, "hello, this is text");
        var e = ThrowsNamingFile<InvalidDataException>(png, () => Png.Read(png));
        Assert.Contains("signature", e.Message);
        ThrowsNamingFile<InvalidDataException>(png, () => ImageIO.Read(png));
        ThrowsNamingFile<InvalidDataException>(png, () => Jpeg.Read(png));
        ThrowsNamingFile<InvalidDataException>(png, () => Ppm.Read(png));

        var flo = dir.File("bad.flo");
        var b = new byte[12 + 8];
        BitConverter.GetBytes(123.0f).CopyTo(b, 0);
        BitConverter.GetBytes(1).CopyTo(b, 4);
        BitConverter.GetBytes(1).CopyTo(b, 8);
        File.WriteAllBytes(flo, b);
        Assert.Contains("magic", ThrowsNamingFile<InvalidDataException>(flo, () => MiddleburyFlo.Read(flo)).Message);

        var crc = dir.File("crc.png"); // a flipped bit in the IHDR data breaks its CRC
        var bytes = SomePng();
        bytes[17] ^= 0x01;
        File.WriteAllBytes(crc, bytes);
        ThrowsNamingFile<InvalidDataException>(crc, () => Png.Read(crc));
    }

    [Fact]
    public void SizeNotMatchingHeader()
    {
        using var dir = new TempFolder();
        var flo = dir.File("short.flo");
        using (var flow = torch.zeros(2, 3, 4)) MiddleburyFlo.Write(flo, flow);
        var bytes = File.ReadAllBytes(flo);
        File.WriteAllBytes(flo, bytes[..^8]);
        Assert.Contains("size mismatch", ThrowsNamingFile<InvalidDataException>(flo, () => MiddleburyFlo.Read(flo)).Message);
        File.WriteAllBytes(flo, [.. bytes, 0, 0, 0, 0]);
        Assert.Contains("size mismatch", ThrowsNamingFile<InvalidDataException>(flo, () => MiddleburyFlo.Read(flo)).Message);

        var ppm = dir.File("long.ppm");
        File.WriteAllBytes(ppm, [.. "P6\n1 1\n255\n"u8.ToArray(), 1, 2, 3, 4]);
        Assert.Contains("size mismatch", ThrowsNamingFile<InvalidDataException>(ppm, () => Ppm.Read(ppm)).Message);
    }

    [Fact]
    public void UnsupportedVariants()
    {
        using var dir = new TempFolder();
        var ascii = dir.File("ascii.ppm");
        File.WriteAllText(ascii, "P3\n1 1\n255\n1 2 3\n");
        ThrowsNamingFile<NotSupportedException>(ascii, () => Ppm.Read(ascii));
        var deep = dir.File("deep.ppm");
        File.WriteAllBytes(deep, [.. "P6\n1 1\n65535\n"u8.ToArray(), 0, 1, 0, 2, 0, 3]);
        ThrowsNamingFile<NotSupportedException>(deep, () => Ppm.Read(deep));

        var kitti = dir.File("8bit_flow.png"); // KITTI flow must be 16-bit RGB
        Png.Write(kitti, Image.Blank(4, 4, 3));
        ThrowsNamingFile<NotSupportedException>(kitti, () => KittiFlowPng.Read(kitti));

        var txt = dir.File("flow.txt");
        File.WriteAllText(txt, "1 2");
        ThrowsNamingFile<NotSupportedException>(txt, () => FlowFile.Read(txt));
    }

    [Fact]
    public void MissingFiles()
    {
        var missing = Path.Combine(Path.GetTempPath(), "dk-no-such-" + Guid.NewGuid().ToString("N"));
        foreach (var read in new Action<string>[]
                 {
                     p => Png.Read(p + ".png"), p => Jpeg.Read(p + ".jpg"), p => Ppm.Read(p + ".ppm"), p => ImageIO.Read(p + ".png"),
                     p => MiddleburyFlo.Read(p + ".flo"), p => KittiFlowPng.Read(p + ".png"), p => FlowFile.Read(p + ".flo"),
                 })
        {
            var e = Assert.Throws<FileNotFoundException>(() => read(missing));
            Assert.Contains(missing, e.Message);
            Assert.StartsWith(missing, e.FileName);
        }
    }

    [Fact]
    public void RandomCorruptionsThrowDotNetExceptionsAndNeverCrash()
    {
        // seeded: flip bytes and cut files; libpng's longjmp errors and libjpeg's errors must surface as exceptions
        var rng = new Random(20240611);
        var samples = new[] { ("png", SomePng()), ("jpeg", SomeJpeg()), ("interlaced png", Png.Encode(Image.Blank(9, 9, 4, 16), new PngWriteOptions { Interlaced = true })) };
        int failures = 0;
        foreach (var (kind, original) in samples)
            for (int trial = 0; trial < 150; trial++)
            {
                var bytes = (byte[])original.Clone();
                for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(8, bytes.Length)] = (byte)rng.Next(256);
                if (rng.Next(3) == 0) bytes = bytes[..rng.Next(1, bytes.Length)];
                try { _ = kind == "jpeg" ? Jpeg.Decode(bytes, "fuzz.jpg") : Png.Decode(bytes, "fuzz.png"); }
                catch (InvalidDataException e) { failures++; Assert.Contains("fuzz.", e.Message); }
                catch (NotSupportedException e) { failures++; Assert.Contains("fuzz.", e.Message); }
            }
        Assert.True(failures > 100, $"only {failures} of 450 corrupted files were rejected");
    }
}
