namespace DistillKit.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public enum InterpolationMode { Nearest, Bilinear, Bicubic }
        public enum GridSampleMode { Bilinear = 0, Nearest = 1, Bicubic = 2 }
        public enum GridPaddingMode { Zeros = 0, Border = 1, Reflection = 2 }
        public enum PaddingMode { Constant, Reflect, Replicate }
        public enum Reduction { None = 0, Mean = 1, Sum = 2 }

        /// <summary><c>torch.nn.functional</c>: stateless network operations on NCHW tensors.</summary>
        public static class functional
        {
            static readonly Op s_conv2d = new("aten::conv2d"), s_convT2d = new("aten::conv_transpose2d", "input"), s_linear = new("aten::linear");
            static readonly Op s_maxPool = new("aten::max_pool2d"), s_avgPool = new("aten::avg_pool2d"), s_adaptiveAvg = new("aten::adaptive_avg_pool2d");
            static readonly Op s_batchNorm = new("aten::batch_norm"), s_instanceNorm = new("aten::instance_norm"), s_groupNorm = new("aten::group_norm");
            static readonly Op s_layerNorm = new("aten::layer_norm");
            static readonly Op s_softmax = new("aten::softmax", "int"), s_logSoftmax = new("aten::log_softmax", "int");
            static readonly Op s_leaky = new("aten::leaky_relu"), s_elu = new("aten::elu"), s_gelu = new("aten::gelu"), s_softplus = new("aten::softplus");
            static readonly Op s_silu = new("aten::silu"), s_hardtanh = new("aten::hardtanh"), s_dropout = new("aten::dropout");
            static readonly Op s_constPad = new("aten::constant_pad_nd"), s_reflPad = new("aten::reflection_pad2d"), s_replPad = new("aten::replication_pad2d");
            static readonly Op s_upBilinear = new("aten::upsample_bilinear2d", "vec"), s_upNearest = new("aten::upsample_nearest2d", "vec");
            static readonly Op s_upBicubic = new("aten::upsample_bicubic2d", "vec"), s_gridSampler = new("aten::grid_sampler");
            static readonly Op s_affineGrid = new("aten::affine_grid_generator"), s_im2col = new("aten::im2col"), s_col2im = new("aten::col2im");
            static readonly Op s_pixelShuffle = new("aten::pixel_shuffle"), s_normalize = new("aten::linalg_vector_norm");
            static readonly Op s_mse = new("aten::mse_loss"), s_l1 = new("aten::l1_loss"), s_ce = new("aten::cross_entropy_loss");
            static readonly Op s_bceLogits = new("aten::binary_cross_entropy_with_logits"), s_smoothL1 = new("aten::smooth_l1_loss");
            static readonly Op s_cosSim = new("aten::cosine_similarity"), s_oneHot = new("aten::one_hot");

            static long[] Pair(long v) => [v, v];

            /// <summary>2-D convolution. Weight [out, in/groups, kh, kw].</summary>
            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
                Call.Start().T(input).T(weight).OptT(bias).Ints(Pair(stride)).Ints(Pair(padding)).Ints(Pair(dilation)).I(groups).Tensor(s_conv2d);

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1) =>
                Call.Start().T(input).T(weight).OptT(bias).Ints(stride).Ints(padding).Ints(dilation).I(groups).Tensor(s_conv2d);

            /// <summary>2-D transposed convolution. Weight [in, out/groups, kh, kw].</summary>
            public static Tensor conv_transpose2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0,
                long output_padding = 0, long groups = 1, long dilation = 1) =>
                Call.Start().T(input).T(weight).OptT(bias).Ints(Pair(stride)).Ints(Pair(padding)).Ints(Pair(output_padding)).I(groups).Ints(Pair(dilation)).Tensor(s_convT2d);

            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) => Call.Start().T(input).T(weight).OptT(bias).Tensor(s_linear);

            public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
                Call.Start().T(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).Ints(Pair(dilation)).B(ceil_mode).Tensor(s_maxPool);

            public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
                Call.Start().T(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).B(ceil_mode).B(count_include_pad).Tensor(s_avgPool);

            public static Tensor adaptive_avg_pool2d(Tensor input, long[] output_size) => Call.Start().T(input).Ints(output_size).Tensor(s_adaptiveAvg);

            /// <summary>Batch norm over channel dim 1; in training mode updates the running statistics in place.</summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null,
                bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                Call.Start().T(input).OptT(weight).OptT(bias).OptT(running_mean).OptT(running_var).B(training).D(momentum).D(eps).B(true).Tensor(s_batchNorm);

            public static Tensor instance_norm(Tensor input, Tensor? running_mean = null, Tensor? running_var = null, Tensor? weight = null, Tensor? bias = null,
                bool use_input_stats = true, double momentum = 0.1, double eps = 1e-5) =>
                Call.Start().T(input).OptT(weight).OptT(bias).OptT(running_mean).OptT(running_var).B(use_input_stats).D(momentum).D(eps).B(true).Tensor(s_instanceNorm);

            public static Tensor group_norm(Tensor input, long num_groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
                Call.Start().T(input).I(num_groups).OptT(weight).OptT(bias).D(eps).B(true).Tensor(s_groupNorm);

            public static Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
                Call.Start().T(input).Ints(normalized_shape).OptT(weight).OptT(bias).D(eps).B(true).Tensor(s_layerNorm);

            public static Tensor softmax(Tensor input, long dim) => Call.Start().T(input).I(dim).None().Tensor(s_softmax);
            public static Tensor log_softmax(Tensor input, long dim) => Call.Start().T(input).I(dim).None().Tensor(s_logSoftmax);
            public static Tensor relu(Tensor input) => input.relu();
            public static Tensor sigmoid(Tensor input) => input.sigmoid();
            public static Tensor tanh(Tensor input) => input.tanh();
            public static Tensor leaky_relu(Tensor input, double negative_slope = 0.01) => Call.Start().T(input).S(negative_slope).Tensor(s_leaky);
            public static Tensor elu(Tensor input, double alpha = 1.0) => Call.Start().T(input).S(alpha).Tensor(s_elu);
            public static Tensor gelu(Tensor input) => Call.Start().T(input).Tensor(s_gelu);
            public static Tensor softplus(Tensor input, double beta = 1, double threshold = 20) => Call.Start().T(input).S(beta).S(threshold).Tensor(s_softplus);
            public static Tensor silu(Tensor input) => Call.Start().T(input).Tensor(s_silu);
            public static Tensor hardtanh(Tensor input, double min_val = -1, double max_val = 1) => Call.Start().T(input).S(min_val).S(max_val).Tensor(s_hardtanh);

            /// <summary>Zeroes elements with probability p and rescales by 1/(1-p) when training.</summary>
            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) => Call.Start().T(input).D(p).B(training).Tensor(s_dropout);

            /// <summary>Pads the last dimensions: pad = [left, right, top, bottom, ...] as in PyTorch.</summary>
            public static Tensor pad(Tensor input, long[] pad, PaddingMode mode = PaddingMode.Constant, double value = 0) => mode switch
            {
                PaddingMode.Constant => Call.Start().T(input).Ints(pad).S(value).Tensor(s_constPad),
                PaddingMode.Reflect => Call.Start().T(input).Ints(pad).Tensor(s_reflPad),
                _ => Call.Start().T(input).Ints(pad).Tensor(s_replPad),
            };

            /// <summary>Resizes NCHW input to <paramref name="size"/> [H, W] or by <paramref name="scale_factor"/>.
            /// For flow fields use Geometry's flow resize, which also scales the vectors.</summary>
            public static Tensor interpolate(Tensor input, long[]? size = null, double[]? scale_factor = null,
                InterpolationMode mode = InterpolationMode.Nearest, bool? align_corners = null)
            {
                if ((size is null) == (scale_factor is null)) throw new ArgumentException("interpolate: give exactly one of size and scale_factor");
                if (scale_factor is { Length: 1 }) scale_factor = [scale_factor[0], scale_factor[0]];
                return mode switch
                {
                    InterpolationMode.Nearest => Call.Start().T(input).OptInts(size).OptDoubles(scale_factor).Tensor(s_upNearest),
                    InterpolationMode.Bilinear => Call.Start().T(input).OptInts(size).B(align_corners ?? false).OptDoubles(scale_factor).Tensor(s_upBilinear),
                    _ => Call.Start().T(input).OptInts(size).B(align_corners ?? false).OptDoubles(scale_factor).Tensor(s_upBicubic),
                };
            }

            /// <summary>Samples input [N,C,H,W] at grid [N,Ho,Wo,2] of normalised (x, y) in [-1, 1].
            /// The kit always passes align_corners explicitly (see DESIGN.md, warping).</summary>
            public static Tensor grid_sample(Tensor input, Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear,
                GridPaddingMode padding_mode = GridPaddingMode.Zeros, bool align_corners = false) =>
                Call.Start().T(input).T(grid).I((long)mode).I((long)padding_mode).B(align_corners).Tensor(s_gridSampler);

            /// <summary>Sampling grid [N,H,W,2] for affine matrices theta [N,2,3].</summary>
            public static Tensor affine_grid(Tensor theta, long[] size, bool align_corners = false) =>
                Call.Start().T(theta).Ints(size).B(align_corners).Tensor(s_affineGrid);

            /// <summary>Extracts sliding blocks: [N, C*kh*kw, L] (PyTorch's F.unfold).</summary>
            public static Tensor unfold(Tensor input, long kernel_size, long dilation = 1, long padding = 0, long stride = 1) =>
                Call.Start().T(input).Ints(Pair(kernel_size)).Ints(Pair(dilation)).Ints(Pair(padding)).Ints(Pair(stride)).Tensor(s_im2col);

            /// <summary>Inverse of <see cref="unfold"/> summing overlaps (PyTorch's F.fold).</summary>
            public static Tensor fold(Tensor input, long[] output_size, long kernel_size, long dilation = 1, long padding = 0, long stride = 1) =>
                Call.Start().T(input).Ints(output_size).Ints(Pair(kernel_size)).Ints(Pair(dilation)).Ints(Pair(padding)).Ints(Pair(stride)).Tensor(s_col2im);

            public static Tensor pixel_shuffle(Tensor input, long upscale_factor) => Call.Start().T(input).I(upscale_factor).Tensor(s_pixelShuffle);

            /// <summary>x / max(‖x‖_p, eps) along <paramref name="dim"/>.</summary>
            public static Tensor normalize(Tensor input, double p = 2, long dim = 1, double eps = 1e-12)
            {
                using var n = Call.Start().T(input).S(p).Ints([dim]).B(true).Tensor(s_normalize);
                using var c = n.clamp_min(eps);
                using var e = c.expand_as(input);
                return input.div(e);
            }

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Call.Start().T(input).T(target).I((long)reduction).Tensor(s_mse);
            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Call.Start().T(input).T(target).I((long)reduction).Tensor(s_l1);
            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0) =>
                Call.Start().T(input).T(target).I((long)reduction).D(beta).Tensor(s_smoothL1);

            /// <summary>Cross entropy of logits [N,C,...] against class indices [N,...] or probabilities [N,C,...].</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                long ignore_index = -100, double label_smoothing = 0) =>
                Call.Start().T(input).T(target).OptT(weight).I((long)reduction).I(ignore_index).D(label_smoothing).Tensor(s_ce);

            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Call.Start().T(input).T(target).None().None().I((long)reduction).Tensor(s_bceLogits);

            public static Tensor cosine_similarity(Tensor x1, Tensor x2, long dim = 1, double eps = 1e-8) =>
                Call.Start().T(x1).T(x2).I(dim).D(eps).Tensor(s_cosSim);

            public static Tensor one_hot(Tensor input, long num_classes = -1) => Call.Start().T(input).I(num_classes).Tensor(s_oneHot);
        }
    }
}
