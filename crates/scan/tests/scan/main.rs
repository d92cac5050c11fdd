//! The scanner's quality on the labelled set, and properties on any input.

mod fuzz;
mod quality;
