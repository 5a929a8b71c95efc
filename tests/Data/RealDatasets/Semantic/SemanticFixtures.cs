using System.Text.Json.Nodes;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;

namespace DistillKit.Tests.Data.RealDatasets.Semantic;

/// <summary>Tiny trees in the semantic datasets' layouts and file formats, written with the kit's writers.</summary>
internal static class SemanticFixtures
{
    /// <summary>A w×h RGB image (JPEG or PNG by extension) whose pixels differ by <paramref name="seed"/>.</summary>
    public static void WriteImage(string path, int w, int h, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageIO.Write(path, Image.FromBytes(w, h, 3, Enumerable.Range(0, w * h * 3).Select(i => (byte)(i * 37 + seed * 59)).ToArray()));
    }

    public static void WriteText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public const string PascalHeader = "source_image,target_image,class,XA,YA,XB,YB";

    static string Jpg(int n) => $"PF-dataset-PASCAL/JPEGImages/2008_{n:D6}.jpg";

    /// <summary>
    /// PF-PASCAL: three JPEGs (6×4, 5×5, 7×3); <c>test_pairs_pf_pascal.csv</c> (2 pairs, the first with a −1 padded third
    /// keypoint in the target), <c>val_pairs_pf_pascal.csv</c> (1 pair) in ROOT, and <c>image_pairs/train_pairs.csv</c>
    /// without keypoints (with a flip column, as NC-Net's train file).
    /// </summary>
    public static void BuildPascal(string root)
    {
        WriteImage(Path.Combine(root, Jpg(1)), 6, 4, 1);
        WriteImage(Path.Combine(root, Jpg(2)), 5, 5, 2);
        WriteImage(Path.Combine(root, Jpg(3)), 7, 3, 3);
        WriteText(Path.Combine(root, "test_pairs_pf_pascal.csv"), $"{PascalHeader}\n" +
            $"{Jpg(1)},{Jpg(2)},7,1;2.5;3,1;2;3,4;5;-1,0;1;-1\n" +
            $"{Jpg(3)},{Jpg(1)},15,0.5,1.5,5,2\n");
        WriteText(Path.Combine(root, "val_pairs_pf_pascal.csv"), $"{PascalHeader}\r\n{Jpg(2)},\"{Jpg(3)}\",1,2;3,2;1,4;5,0;1\r\n");
        WriteText(Path.Combine(root, "image_pairs", "train_pairs.csv"), $"source_image,target_image,class,flip\n{Jpg(1)},{Jpg(3)},20,0\n{Jpg(3)},{Jpg(1)},20,1\n");
    }

    public const string WillowHeader = "imageA,imageB,XA1,XA2,XA3,XA4,YA1,YA2,YA3,YA4,XB1,XB2,XB3,XB4,YB1,YB2,YB3,YB4";

    /// <summary>
    /// PF-WILLOW: PNGs in <c>PF-dataset/car(G)/</c> and <c>PF-dataset/duck(S)/</c>; <c>test_pairs_pf.csv</c> with 4 keypoint
    /// columns per set: pair 1 has 3 keypoints and a −1 padded fourth (the PCK inflation case), pair 2 a NaN in its second
    /// source keypoint and an empty fourth target x.
    /// </summary>
    public static void BuildWillow(string root)
    {
        WriteImage(Path.Combine(root, "PF-dataset", "car(G)", "car_001.png"), 6, 4, 1);
        WriteImage(Path.Combine(root, "PF-dataset", "car(G)", "car_002.png"), 6, 5, 2);
        WriteImage(Path.Combine(root, "PF-dataset", "duck(S)", "duck_001.png"), 4, 4, 3);
        WriteImage(Path.Combine(root, "PF-dataset", "duck(S)", "duck_002.png"), 5, 3, 4);
        WriteText(Path.Combine(root, "test_pairs_pf.csv"), $"{WillowHeader}\n" +
            "PF-dataset/car(G)/car_001.png,PF-dataset/car(G)/car_002.png,100,300,250,-1,150,200,400,-1,100,300,250,-1,150,200,400,-1\n" +
            "PF-dataset/duck(S)/duck_001.png,PF-dataset/duck(S)/duck_002.png,1,2,3,4,1,NaN,3,4,5,6,7,,5,6,7,8\n");
    }

    /// <summary>A SPair-71k pair annotation as the official JSON holds it (the fields the kit reads and a few it ignores).</summary>
    public static JsonObject SpairJson(string src, string trg, string category, float[][] srcKps, float[][] trgKps, int[] srcBox, int[] trgBox,
        int viewpoint = 0, int scale = 1, int truncation = 2, int occlusion = 3) => new()
    {
        ["pair_id"] = 1,
        ["src_imname"] = src,
        ["trg_imname"] = trg,
        ["src_imsize"] = new JsonArray(6, 4, 3),
        ["category"] = category,
        ["src_bndbox"] = new JsonArray(srcBox.Select(v => (JsonNode)v).ToArray()),
        ["trg_bndbox"] = new JsonArray(trgBox.Select(v => (JsonNode)v).ToArray()),
        ["src_kps"] = new JsonArray(srcKps.Select(k => (JsonNode)new JsonArray(k[0], k[1])).ToArray()),
        ["trg_kps"] = new JsonArray(trgKps.Select(k => (JsonNode)new JsonArray(k[0], k[1])).ToArray()),
        ["kps_ids"] = new JsonArray(srcKps.Select((_, i) => (JsonNode)$"{i}").ToArray()),
        ["viewpoint_variation"] = viewpoint,
        ["scale_variation"] = scale,
        ["truncation"] = truncation,
        ["occlusion"] = occlusion,
        ["mirror"] = 0,
    };

    public const string SpairTest1 = "000001-2008_000001-2008_000002:aeroplane", SpairTest2 = "000002-2009_000001-2009_000002:cat",
        SpairTrain = "000003-2008_000002-2008_000001:aeroplane", SpairVal = "000004-2009_000002-2009_000001:cat";

    /// <summary>
    /// SPair-71k under <c>ROOT/SPair-71k</c>: JPEGs of two categories, one JSON per pair in <c>PairAnnotation/{trn,val,test}</c>,
    /// <c>Layout/large/{trn,val,test}.txt</c> (test: two pairs, listed in reverse name order) and <c>Layout/small/test.txt</c>.
    /// </summary>
    public static void BuildSpair(string root)
    {
        var dir = Path.Combine(root, "SPair-71k");
        WriteImage(Path.Combine(dir, "JPEGImages", "aeroplane", "2008_000001.jpg"), 6, 4, 1);
        WriteImage(Path.Combine(dir, "JPEGImages", "aeroplane", "2008_000002.jpg"), 5, 5, 2);
        WriteImage(Path.Combine(dir, "JPEGImages", "cat", "2009_000001.jpg"), 4, 6, 3);
        WriteImage(Path.Combine(dir, "JPEGImages", "cat", "2009_000002.jpg"), 7, 3, 4);
        void Pair(string split, string name, JsonObject json) => WriteText(Path.Combine(dir, "PairAnnotation", split, name + ".json"), json.ToJsonString());
        Pair("test", SpairTest1, SpairJson("2008_000001.jpg", "2008_000002.jpg", "aeroplane", [[1, 2], [3.5f, 1]], [[4, 4], [0, 2]], [0, 0, 5, 3], [1, 1, 4, 4]));
        Pair("test", SpairTest2, SpairJson("2009_000001.jpg", "2009_000002.jpg", "cat", [[2, 5]], [[6, 1]], [0, 1, 3, 5], [0, 0, 6, 2], 2, 0, 0, 1));
        Pair("trn", SpairTrain, SpairJson("2008_000002.jpg", "2008_000001.jpg", "aeroplane", [[1, 1]], [[2, 2]], [0, 0, 4, 4], [0, 0, 5, 3]));
        Pair("val", SpairVal, SpairJson("2009_000002.jpg", "2009_000001.jpg", "cat", [[1, 1]], [[2, 2]], [0, 0, 6, 2], [0, 1, 3, 5]));
        WriteText(Path.Combine(dir, "Layout", "large", "test.txt"), $"{SpairTest2}\n{SpairTest1}\n");
        WriteText(Path.Combine(dir, "Layout", "large", "trn.txt"), $"{SpairTrain}\n");
        WriteText(Path.Combine(dir, "Layout", "large", "val.txt"), $"{SpairVal}\n");
        WriteText(Path.Combine(dir, "Layout", "small", "test.txt"), $"{SpairTest1}\n");
    }

    /// <summary>
    /// TSS under <c>ROOT/TSS_CVPR2016</c>: groups FG3DCar (pairs 001, 002) and JODS (pair 001); image 1 is 5×4 and image 2
    /// 6×3; flow1 = (1 + pair, 0.5) with the top-left pixel unknown (1e10), flow2 = (−1, −0.5); mask1 has its two left columns
    /// white, mask2 is all white.
    /// </summary>
    public static void BuildTss(string root)
    {
        int n = 0;
        foreach (var (group, pair) in new[] { ("FG3DCar", "001"), ("FG3DCar", "002"), ("JODS", "001") })
        {
            var dir = Path.Combine(root, "TSS_CVPR2016", group, pair);
            WriteImage(Path.Combine(dir, "image1.png"), 5, 4, n);
            WriteImage(Path.Combine(dir, "image2.png"), 6, 3, n + 10);
            Directory.CreateDirectory(dir);
            using (var flow1 = torch.tensor([.. Enumerable.Repeat(1f + n, 20), .. Enumerable.Repeat(0.5f, 20)], [2, 4, 5]))
            using (var valid1 = torch.tensor([0f, .. Enumerable.Repeat(1f, 19)], [1, 4, 5]))
                MiddleburyFlo.Write(Path.Combine(dir, "flow1.flo"), flow1, valid1); // the top-left pixel stored as unknown (1e10)
            using (var flow2 = torch.tensor([.. Enumerable.Repeat(-1f, 18), .. Enumerable.Repeat(-0.5f, 18)], [2, 3, 6]))
                MiddleburyFlo.Write(Path.Combine(dir, "flow2.flo"), flow2);
            ImageIO.Write(Path.Combine(dir, "mask1.png"), Image.FromBytes(5, 4, 1, Enumerable.Range(0, 20).Select(i => (byte)(i % 5 < 2 ? 255 : 0)).ToArray()));
            ImageIO.Write(Path.Combine(dir, "mask2.png"), Image.FromBytes(6, 3, 1, Enumerable.Repeat((byte)255, 18).ToArray()));
            n++;
        }
    }
}
