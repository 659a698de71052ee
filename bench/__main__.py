"""Run every benchmark: python -m bench (several minutes; each module also runs alone)."""

from bench import (
    duplicates,
    export_zip,
    fraud_report,
    gallery,
    jury_results,
    jury_round_db,
    pages,
    photo_derivatives,
    transcode,
    upload,
    votes,
)

if __name__ == "__main__":
    modules = (
        pages, photo_derivatives, transcode, upload, export_zip, duplicates, jury_results, jury_round_db, votes,
        fraud_report, gallery,
    )
    for module in modules:
        print(f"\n== {module.__name__} ==")
        module.main()
